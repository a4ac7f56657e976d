// Records the view models the webview tests post: the extension's own buildModel()
// (src/editor/viewModel.ts) run on a fixture capture, with a minimal stand-in for the 'vscode' module
// (only l10n and Uri are used). Run: node test/webview/record-fixtures.mjs
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const out = join(here, 'fixtures');

const vscodeStub = `
const fill = (s, args) => s.replace(/\\{(\\d+)\\}/g, (m, i) => (args[i] !== undefined ? String(args[i]) : m));
module.exports = {
  l10n: { t: (s, ...args) => fill(typeof s === 'string' ? s : s.message, args) },
  Uri: { file: (p) => ({ path: p, toString: () => 'file://' + p }) },
  workspace: { getConfiguration: () => ({ get: (_k, d) => d }) },
  env: { language: 'en' },
  ThemeIcon: class { constructor(id, color) { this.id = id; this.color = color; } },
  ThemeColor: class { constructor(id) { this.id = id; } },
};`;

const entry = `
const { analyzeText } = require('./src/trace');
const { buildModel, ladderKey } = require('./src/editor/viewModel');
const { graphData } = require('./src/editor/graphData');
module.exports = (text, file, packetLine, mode) => {
  const trace = analyzeText(text);
  const index = trace.packetAtLine(packetLine);
  const p = trace.packet(index);
  const uri = { path: '/fixtures/' + file, toString: () => 'file:///fixtures/' + file };
  return asPosted(buildModel(trace, uri, p.connection, index, mode, 'en'));
};
// A view model as the host posts it first (src/editor/panel.ts, WebviewCopy): with its serial.
const asPosted = (model) => ({ ...model, serial: 1 });
// The Graphs tab: the view model and the connection's series, the typed arrays written as
// { array: 'Float64Array', values } (NaN as null), which the tests make typed again.
module.exports.graphs = (text, file, connection, ordinal) => {
  const trace = analyzeText(text);
  const index = trace.packetsOf(connection)[ordinal];
  const uri = { path: '/fixtures/' + file, toString: () => 'file:///fixtures/' + file };
  const model = asPosted(buildModel(trace, uri, connection, index, 'graphs', 'en'));
  const data = graphData(trace, connection, ladderKey(trace, connection));
  const plain = {};
  for (const [k, v] of Object.entries(data)) plain[k] = ArrayBuffer.isView(v) ? { array: v.constructor.name, values: Array.from(v, (x) => (x === x ? x : null)) } : v;
  return { model, graphs: plain };
};
// The trace whose host names are attacks (test/unit/hostile-trace.ts): one model per
// connection, at its first data segment, in both modes.
const { HOSTILE_NAMES, hostileTrace } = require('./test/unit/hostile-trace');
module.exports.hostile = () => {
  const trace = analyzeText(hostileTrace());
  const uri = { path: '/fixtures/hostile.tcpdump', toString: () => 'file:///fixtures/hostile.tcpdump' };
  const models = [];
  for (const c of trace.connections) {
    const index = trace.packetsOf(c.id)[3];
    models.push(asPosted(buildModel(trace, uri, c.id, index, 'diagram', 'en')), asPosted(buildModel(trace, uri, c.id, trace.packetsOf(c.id)[0], 'handshake', 'en')));
  }
  return { names: HOSTILE_NAMES, models };
};`;

const bundle = join(root, '.vscode-test', 'record-fixtures.cjs');
mkdirSync(dirname(bundle), { recursive: true });
await esbuild.build({
  stdin: { contents: entry, resolveDir: root, loader: 'js' },
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  logLevel: 'error',
  plugins: [{
    name: 'vscode-stub',
    setup(b) {
      b.onResolve({ filter: /^vscode$/ }, () => ({ path: 'vscode', namespace: 'stub' }));
      b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: vscodeStub, loader: 'js' }));
    },
  }],
});
const build = createRequire(import.meta.url)(bundle);
rmSync(bundle, { force: true });

const capture = 'rst-client';
const file = join(root, 'test', 'fixtures', 'captures', capture, 'nn.tcpdump');
const text = readFileSync(file, 'utf8');
const lines = text.split('\n');
const lineOf = (re) => lines.findIndex((l) => re.test(l)) + 1;
const fixtures = {
  // The third packet (the ACK that completes the handshake), diagram mode.
  'diagram.json': build(text, `${capture}.tcpdump`, lineOf(/Flags \[\.\], ack 1,/), 'diagram'),
  'handshake.json': build(text, `${capture}.tcpdump`, lineOf(/Flags \[S\]/), 'handshake'),
  // Hostile host names through the host's own code (test/webview/security.test.mjs).
  'hostile.json': build.hostile(),
  // A real capture's connection with 31 retransmissions (test/fixtures/realworld, nDPI's
  // whatsappfiles.pcap), at its 100th packet.
  'graphs.json': build.graphs(readFileSync(join(root, 'test', 'fixtures', 'realworld', 'ndpi-whatsappfiles.tcpdump'), 'utf8'), 'ndpi-whatsappfiles.tcpdump', 0, 99),
};
mkdirSync(out, { recursive: true });
for (const [name, model] of Object.entries(fixtures)) {
  writeFileSync(join(out, name), name === 'graphs.json' ? `${JSON.stringify(model)}\n` : `${JSON.stringify(model, null, 2)}\n`);
  console.log(`wrote test/webview/fixtures/${name}`);
}

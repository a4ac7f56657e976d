// `tcp-trace mcp` as an assistant's host runs it: the built dist/cli.js spoken to over stdio
// with the MCP SDK's own client. It must list the table's tools and answer each exactly as the
// tools answer in-process, read the files it is given (text or capture) and refuse the rest.

import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { analyzeText } from '../../src/trace';
import { inputSchema, TRACE_TOOLS, type ToolInput } from '../../src/tools/traceTools';
import { fixture, hasFile, ROOT } from './helpers';

const CLI = join(ROOT, 'dist/cli.js');

type Result = { content: Array<{ type: string; text?: string }>; isError?: boolean };

describe('tcp-trace mcp', function () {
  this.timeout(60_000);
  let client: Client;
  let stderr = '';

  before(async () => {
    if (!hasFile(CLI)) throw new Error('dist/cli.js is missing: run npm run build first');
    client = new Client({ name: 'tcp-trace-test', version: '1.0.0' });
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], cwd: ROOT, stderr: 'pipe' });
    transport.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    await client.connect(transport);
  });

  after(async () => {
    await client?.close();
  });

  async function call(name: string, args: Record<string, unknown>): Promise<Result> {
    return (await client.callTool({ name, arguments: args })) as Result;
  }
  const text = (r: Result) => r.content.map((c) => c.text ?? '').join('');

  it('lists the tools of the table, read only, each needing a file', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name), TRACE_TOOLS.map((t) => t.name));
    for (const t of tools) {
      const mine = TRACE_TOOLS.find((x) => x.name === t.name)!;
      assert.equal(t.description, mine.description);
      assert.deepEqual(t.inputSchema, inputSchema(mine, true));
      assert.equal(t.annotations?.readOnlyHint, true, t.name);
    }
  });

  // A loopback capture as tcpdump text, and a real network's capture (tcpreplay's test.pcap, as text).
  const calls: Array<[string, string, ToolInput]> = [
    ['tcp_trace_summary', 'captures/retransmission/nn.tcpdump', {}],
    ['tcp_trace_connections', 'realworld/tcpreplay-test.tcpdump', { filter: 'event == retransmission', limit: 3 }],
    ['tcp_trace_explain', 'captures/retransmission/nn.tcpdump', { line: 21 }],
    ['tcp_trace_explain', 'realworld/tcpreplay-test.tcpdump', { connection: 0 }],
    ['tcp_trace_slow', 'captures/retransmission/nn.tcpdump', { connection: 0 }],
    ['tcp_trace_slow', 'realworld/ndpi-ipp.tcpdump', {}],
  ];
  for (const [name, file, input] of calls) {
    it(`${name} ${JSON.stringify(input)} on ${file}: the tool's own answer`, async () => {
      const path = fixture(...file.split('/'));
      const want = TRACE_TOOLS.find((t) => t.name === name)!.run(analyzeText(readFileSync(path, 'utf8')), input, { cite: (l) => `line ${l}`, lang: 'en' });
      const r = await call(name, { file: path, ...input });
      assert.equal(r.isError, undefined, text(r));
      assert.equal(text(r), want);
    });
  }

  it('reads a pcap capture as the text tcpdump prints of it', async () => {
    const r = await call('tcp_trace_summary', { file: 'test/fixtures/captures/retransmission/capture.pcap' });
    const fromText = await call('tcp_trace_summary', { file: fixture('captures', 'retransmission', 'nn.tcpdump') });
    assert.equal(text(r), text(fromText));
    assert.match(text(r), /retransmission ×1 in 1 connection, first line 21/);
  });

  it('refuses what is not a file, and says why', async () => {
    for (const [args, said] of [
      [{ file: fixture('captures') }, /is not a file \(a directory\)/],
      [{ file: fixture('no-such-trace.tcpdump') }, /no such file: .*no-such-trace\.tcpdump/],
      [{}, /file is required/],
      [{ file: 42 }, /file must be a string/],
    ] as const) {
      const r = await call('tcp_trace_summary', args);
      assert.equal(r.isError, true, JSON.stringify(args));
      assert.match(text(r), said);
    }
    const unknown = await call('tcp_trace_everything', { file: fixture('sample.tcpdump') });
    assert.equal(unknown.isError, true);
    assert.match(text(unknown), /no tool named tcp_trace_everything/);
  });

  it('reports a filter\'s mistake with its column, and keeps serving', async () => {
    const r = await call('tcp_trace_connections', { file: fixture('sample.tcpdump'), filter: 'port == ' });
    assert.equal(r.isError, true);
    assert.match(text(r), /^filter: expected a value after '==' \(column 8\)\n  port ==\n/);
    const next = await call('tcp_trace_summary', { file: fixture('sample.tcpdump') });
    assert.equal(next.isError, undefined);
    assert.equal(stderr, '', 'nothing on stderr');
  });
});

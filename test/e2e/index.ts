// Entry point for the extension host (extensionTestsPath): runs the mocha suites in this folder
// and writes the counts to TCP_TRACE_E2E_RESULTS for scripts/e2e.mjs. Progress goes to
// process.stdout, which code-server writes to its log (console.log would go to the browser).
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

interface TestResult {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  error?: string;
  ms?: number;
}

const say = (line: string) => process.stdout.write(`[e2e] ${line}\n`);

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'dot' });
  // The dot reporter prints to stdout; keep it short and let our own lines carry the detail.
  const grep = process.env.TCP_TRACE_E2E_GREP;
  if (grep) mocha.grep(grep);
  for (const f of fs.readdirSync(__dirname).sort()) {
    if (f.endsWith('.test.js')) mocha.addFile(path.join(__dirname, f));
  }
  const results: TestResult[] = [];
  const out = process.env.TCP_TRACE_E2E_RESULTS;
  const write = (done: boolean) => {
    if (!out) return;
    const passed = results.filter((r) => r.state === 'passed').length;
    const failed = results.filter((r) => r.state === 'failed').length;
    fs.writeFileSync(out, JSON.stringify({ done, passed, failed, results }, null, 2));
  };
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        write(true);
        say(`extension host: ${results.filter((r) => r.state === 'passed').length} passed, ${failures} failed`);
        if (failures > 0) reject(new Error(`${failures} tests failed.`));
        else resolve();
      });
      runner.on('pass', (t) => {
        results.push({ title: t.fullTitle(), state: 'passed', ms: t.duration });
        say(`ok   ${t.fullTitle()}`);
        write(false);
      });
      runner.on('fail', (t, err: Error) => {
        results.push({ title: t.fullTitle(), state: 'failed', error: String(err?.stack ?? err).slice(0, 2000) });
        say(`FAIL ${t.fullTitle()}\n${String(err?.message ?? err)}`);
        write(false);
      });
      runner.on('pending', (t) => {
        results.push({ title: t.fullTitle(), state: 'pending' });
        say(`skip ${t.fullTitle()}`);
      });
    } catch (e) {
      results.push({ title: 'mocha setup', state: 'failed', error: String(e) });
      write(true);
      reject(e);
    }
  });
}

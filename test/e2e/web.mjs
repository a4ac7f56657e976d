// Checks of the browser build (package.json "browser") in VS Code's web worker extension host,
// driven from outside with playwright like ui.mjs. scripts/e2e.mjs opens a fresh workbench with
// webSettings() in the user settings, so the extension runs in the web worker extension host
// instead of the Node one, and every document goes to the analysis worker.
import { palette, showStateDiagram, showTree, statusBarShowsStates, treeRows, until, waitForWorkbench } from './ui.mjs';

/**
 * User settings for the web run. `remote.extensionKind` makes the workbench pick the web worker
 * extension host for the extension (the `extensionDevelopmentKind` payload does not reach the
 * host picker in the web workbench). A worker threshold of 0 sends even the small sample to the
 * analysis worker.
 */
export function webSettings(pkg) {
  return {
    'remote.extensionKind': { [`${pkg.publisher}.${pkg.name}`]: ['web'] },
    'tcpTrace.workerThresholdKB': 0,
  };
}

/** Picks an item of a quick pick that a palette command opened. */
async function pick(page, label) {
  const input = page.locator('.quick-input-widget input').first();
  await input.waitFor({ state: 'visible', timeout: 5000 });
  await input.fill(label);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor({ state: 'visible', timeout: 5000 });
  await page.keyboard.press('Enter');
}

/** The text of an output channel, as the Output view shows it. */
async function outputText(page, channel, done) {
  await palette(page, 'Output: Show Output Channels');
  await pick(page, channel);
  return until(`the "${channel}" output`, async () => {
    // The panel holds other editors too (such as the debug console's input): read them all.
    const t = (await page.locator('.part.panel .view-lines').allInnerTexts().catch(() => [])).join('\n').replace(/\u00a0/g, ' ');
    return done(t) ? t : undefined;
  }, 10_000);
}

/**
 * The checks. `expect` and `pkg` are the ones runUiChecks gets; `authority` is the server's
 * host:port (what Running Extensions shows for an extension in the remote, Node, host).
 */
export async function runWebChecks({ page, expect, pkg, authority, check }) {
  const id = `${pkg.publisher}.${pkg.name}`;

  await check('web: the workbench opens the sample as tcpdump', async () => {
    await waitForWorkbench(page);
  });

  await check('web: the extension runs in the web worker extension host', async () => {
    await palette(page, 'Developer: Show Running Extensions');
    // The row reads "Activating..." until the host has loaded and activated the extension,
    // then the activation time.
    let text = '';
    await until(`${id} activated in Running Extensions`, async () => {
      const rows = await page.locator('.editor-instance .monaco-list-row').allInnerTexts();
      text = (rows.find((r) => r.includes(id) || r.includes(pkg.displayName)) ?? '').replace(/\s+/g, ' ').trim();
      return /activation:/i.test(text);
    }, 20_000).catch((e) => {
      throw new Error(`${e.message}; row: "${text}"`);
    });
    if (!/web worker/i.test(text) || text.includes(authority)) throw new Error(`not in the web worker host: "${text}"`);
  });

  await check("web: the status bar shows both endpoints' states at the cursor", () => statusBarShowsStates(page, expect));

  await check("web: the tree lists the connections, its census at the cursor's line", async () => {
    await showTree(page, pkg, expect);
    // The cursor is where the status bar check put it; the trace arrived from the worker before.
    // The census follows the cursor a moment after it moves.
    let census = '';
    await until(`the census at line ${expect.hover.line}`, async () => {
      census = (await treeRows(page)).find((r) => /States at line/.test(r)) ?? '';
      return census.includes(`States at line ${expect.hover.line}`) ? census : undefined;
    }, 2000).catch(() => {
      throw new Error(`census row "${census}", cursor at line ${expect.hover.line}`);
    });
  });

  await check('web: TCP: Show State Diagram draws the diagram', async () => {
    await showStateDiagram(page, pkg, expect);
  });

  await check('web: TCP: Open Example… opens an example from the extension, analysed', async () => {
    const c = pkg.contributes.commands.find((x) => x.command === 'tcpTrace.openExample');
    await palette(page, `${c.category}: ${c.title}`);
    await pick(page, 'refused.tcpdump');
    await until('refused.tcpdump in an editor', () => page.evaluate(() => document.title.includes('refused.tcpdump')));
    // Its one connection, 40008 to 8081, reaches the tree.
    await until('the example\'s connection in the tree', async () => (await treeRows(page)).some((r) => r.includes('40008') && r.includes('8081')), 15_000);
    await palette(page, 'View: Close Editor');
  });

  await check('web: the analysis runs in a Web Worker', async () => {
    const text = await outputText(page, pkg.displayName, (t) => /analysis worker|no analysis worker/i.test(t));
    if (!/Analysis worker started \(a Web Worker\)/.test(text)) throw new Error(`no Web Worker started: ${text}`);
    const bad = text.split('\n').filter((l) => /no analysis worker|failed/i.test(l));
    if (bad.length) throw new Error(bad.join('\n'));
  });
}

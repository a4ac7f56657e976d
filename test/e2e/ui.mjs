// UI checks, driven from outside with playwright against the workbench in Chromium: what a
// person sees (token colours, hover, tree, panel). scripts/e2e.mjs runs these after the
// extension-host suite, in the same code-server, and takes the screenshots.
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const norm = (s) => s.replace(/\u00a0/g, ' ');
export const stateNorm = (s) => s.toUpperCase().replace(/[\s-]+/g, '_');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function until(what, fn, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ` (last: ${String(last).slice(0, 300)})` : ''}`);
    await sleep(200);
  }
}

/** The workbench, ready: editor showing the sample with its language detected. */
export async function waitForWorkbench(page) {
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForSelector('.monaco-editor .view-lines .view-line', { timeout: 60_000 });
  await until('status bar to show the tcpdump language', async () => {
    const t = await page.locator('[id="status.editor.mode"]').first().innerText().catch(() => '');
    return t && !/plain text/i.test(t) ? t : undefined;
  }, 30_000);
  await sleep(500); // tokenization and first decorations
}

export async function palette(page, title) {
  // The palette sometimes opens before the workbench has its list of commands (or loses the
  // typed text to a focus change): it is closed and opened again, up to three times in all.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input').first();
    await input.waitFor({ state: 'visible', timeout: 5000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 5000 });
      break;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
  await page.keyboard.press('Enter');
  await sleep(300);
}

async function focusEditor(page, name = 'sample.tcpdump') {
  await page.keyboard.press('Escape');
  // Clicking the editor's tab focuses the editor without touching code lenses or text.
  const tab = page.locator('.editor-group-container .tabs-container .tab', { hasText: name }).first();
  await tab.click();
  await sleep(100);
}

/** Moves the cursor of the editor whose tab is named `tab` to a line. */
export async function gotoLine(page, line, tab = 'sample.tcpdump') {
  for (let attempt = 1; ; attempt++) {
    await focusEditor(page, tab);
    await page.keyboard.press('Control+G');
    const input = page.locator('.quick-input-widget input').first();
    try {
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(`:${line}`, { timeout: 5000 });
      break;
    } catch (e) {
      // The quick input can close again as it opens, when the focus moves (a view or
      // notification appearing at that moment): open it again.
      if (attempt === 3) throw e;
    }
  }
  await page.keyboard.press('Enter');
  await sleep(300);
}

/** The rendered spans of the editor line whose text is `text`, with computed colours. */
async function lineSpans(page, text) {
  return page.evaluate((want) => {
    const n = (s) => s.replace(/\u00a0/g, ' ');
    for (const l of document.querySelectorAll('.editor-group-container .monaco-editor .view-lines .view-line')) {
      if (n(l.textContent ?? '') !== want) continue;
      return [...l.querySelectorAll('span[class^="mtk"], span[class*=" mtk"]')].map((s) => {
        const r = s.getBoundingClientRect();
        return { text: n(s.textContent ?? ''), color: getComputedStyle(s).color, cls: s.className, x: r.x, y: r.y, w: r.width, h: r.height };
      });
    }
    return null;
  }, text);
}

/** The span covering the first flag letter after `Flags [`. */
function flagSpan(spans, text) {
  const at = text.indexOf('Flags [');
  if (at < 0 || !spans) return null;
  const want = at + 'Flags ['.length;
  let pos = 0;
  for (const s of spans) {
    if (want >= pos && want < pos + s.text.length) return s;
    pos += s.text.length;
  }
  return null;
}

/** All frames' visible text; the webview's content frame is one of them. */
async function frameWith(page, pred, what) {
  return until(what, async () => {
    for (const f of page.frames()) {
      if (f === page.mainFrame()) continue;
      const t = await f.evaluate(() => (document.body ? document.body.innerText : '')).catch(() => '');
      if (t && pred(t)) return { frame: f, text: t };
    }
    return undefined;
  }, 15_000);
}

/**
 * Hovers the mouse over the expected hover packet's flags (or, `atStart`, its timestamp, which
 * a narrow editor still shows) and waits for the hover to show both endpoints' states;
 * `whileShown` runs before it is dismissed (a screenshot).
 */
export async function hoverShowsStates(page, expect, lines, whileShown = async () => {}, atStart = false) {
  const e = expect.hover;
  if (!e) throw new Error('no packet with both states known to hover');
  await gotoLine(page, e.line, e.tab);
  const text = norm(lines[e.line - 1]);
  await until(`line ${e.line} rendered`, () => lineSpans(page, text), 5000);
  let at = '';
  const hover = await until('hover', async () => {
    // The line is looked for again each time: a CodeLens row that appears above it once the
    // trace is ready moves it down, and the pointer would then rest on the line before.
    const spans = await lineSpans(page, text);
    const s = spans && ((!atStart && flagSpan(spans, text)) || spans[0]);
    if (!s) return undefined;
    if (at !== `${s.x},${s.y}`) {
      at = `${s.x},${s.y}`;
      await page.mouse.move(s.x + Math.min(4, s.w / 2), s.y + s.h / 2);
      await sleep(100);
      await page.mouse.move(s.x + Math.min(5, s.w / 2), s.y + s.h / 2);
    }
    const t = await page.locator('.monaco-hover').filter({ visible: true }).first().innerText().catch(() => '');
    return t && stateNorm(t).includes(stateNorm(e.client)) ? t : undefined;
  }, 8000).catch(async (err) => {
    const t = await page.locator('.monaco-hover').first().innerText().catch(() => '(no hover)');
    throw new Error(`${err.message}; hover text: ${t}`);
  });
  for (const st of [e.client, e.server]) {
    if (!stateNorm(hover).includes(stateNorm(st))) throw new Error(`hover lacks ${st}: ${hover}`);
  }
  await whileShown();
  await page.mouse.move(2, 2);
  await page.keyboard.press('Escape');
}

/** Moves the cursor to the expected hover packet and waits for the status bar to show both states. */
export async function statusBarShowsStates(page, expect) {
  const e = expect.hover;
  if (!e) throw new Error('no packet with both states known');
  await gotoLine(page, e.line);
  await until(`the status bar to show ${e.client} ⇄ ${e.server}`, async () => {
    const t = await page.locator('.statusbar .statusbar-item', { hasText: '⇄' }).first().innerText().catch(() => '');
    return t && stateNorm(t).includes(stateNorm(e.client)) && stateNorm(t).includes(stateNorm(e.server)) ? t : undefined;
  }, 15_000);
}

/** Opens the Connections view (unless open) and checks it has a row for each expected connection. */
/** The texts of the rows the side bar's tree shows. */
export const treeRows = (page) => page.locator('.part.sidebar .monaco-list-row').allInnerTexts();

export async function showTree(page, pkg, expect) {
  const container = pkg.contributes?.viewsContainers?.activitybar?.find((c) => c.id === 'tcpTrace');
  const title = container?.title ?? 'TCP';
  const viewName = pkg.contributes?.views?.tcpTrace?.[0]?.name ?? 'Connections';
  // The container may already be open (state kept from an earlier run): clicking its icon
  // again would close it.
  const shown = async () => {
    const t = await page.locator('.part.sidebar').filter({ visible: true }).first().innerText().catch(() => '');
    return t.toUpperCase().includes(viewName.toUpperCase()) && t.toUpperCase().includes(title.toUpperCase());
  };
  if (!(await shown())) {
    const icon = page.locator(`.activitybar .action-item [aria-label^="${title}"]`).first();
    if (await icon.count()) await icon.click();
    else await palette(page, `View: Show ${title}`);
    await until('the TCP Trace view', shown, 5000);
  }
  const rows = await until('tree rows', async () => {
    const r = await treeRows(page);
    return r.length >= expect.connections.length ? r : undefined;
  });
  for (const c of expect.connections) {
    const port = (ep) => ep.slice(ep.lastIndexOf('.') + 1);
    if (!rows.some((r) => r.includes(port(c.client)) && r.includes(port(c.server)))) {
      throw new Error(`no row for ${c.client} > ${c.server}: ${JSON.stringify(rows)}`);
    }
  }
  return rows;
}

/** "TCP: Show State Diagram" at the handshake, then waits for the panel's SVG. */
export async function showStateDiagram(page, pkg, expect) {
  await gotoLine(page, expect.handshake?.synAckLine ?? expect.synLine ?? 1);
  const title = pkg.contributes?.commands?.find((c) => c.command === 'tcpTrace.showStateDiagram');
  await palette(page, title ? `${title.category ? `${title.category}: ` : ''}${title.title}` : 'TCP: Show State Diagram');
  await until('a state diagram SVG', async () => {
    for (const f of page.frames()) {
      const n = await f.evaluate(() => document.querySelectorAll('svg').length).catch(() => 0);
      if (n && f !== page.mainFrame()) return true;
    }
    return false;
  });
}

/**
 * The checks. `expect` comes from the engine run on the same sample (scripts/e2e.mjs).
 * `check(name, fn)` records a pass or failure; `shot(name)` saves a screenshot.
 */
export async function runUiChecks({ page, expect, lines, pkg, check, shot, setSettings, ws }) {
  await check('ui: the workbench opens the sample as tcpdump', async () => {
    await waitForWorkbench(page);
  });
  await shot('editor');

  await check('ui: SYN and RST flags get different colours', async () => {
    if (!expect.synLine || !expect.rstLine) throw new Error('sample needs a SYN and an RST packet');
    const got = {};
    for (const [name, line] of [['SYN', expect.synLine], ['RST', expect.rstLine]]) {
      await gotoLine(page, line);
      const text = norm(lines[line - 1]);
      const spans = await until(`line ${line} rendered`, () => lineSpans(page, text), 5000);
      const s = flagSpan(spans, text);
      if (!s) throw new Error(`no token at the ${name} flags on line ${line}`);
      got[name] = s;
    }
    if (got.SYN.color === got.RST.color) {
      throw new Error(`SYN (${got.SYN.text}, ${got.SYN.cls}) and RST (${got.RST.text}, ${got.RST.cls}) are both ${got.SYN.color}`);
    }
  });

  await check("ui: hovering a packet shows both endpoints' states", async () => {
    await hoverShowsStates(page, expect, lines, () => shot('hover'));
  });

  await check('ui: the tree lists the connections', async () => {
    await showTree(page, pkg, expect);
    await shot('tree');
  });

  await check('ui: the filter expression is typed with suggestions, and applied with Enter', async () => {
    await palette(page, 'TCP: Filter Connections…');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'By expression…' }).first().click();
    const input = page.locator('.quick-input-widget input').first();
    await input.waitFor({ state: 'visible', timeout: 5000 });
    const rows = () => page.locator('.quick-input-list .monaco-list-row').allInnerTexts().catch(() => []);
    await input.fill('connState == R');
    // A value to complete: the mistake's column first, then conn_state's values that fit.
    const offered = await until('conn_state values offered', async () => {
      const r = await rows();
      return r.some((t) => /^REJ/.test(t.trim())) && r.some((t) => /Column 14/.test(t)) ? r : undefined;
    }, 5000);
    if (offered.some((t) => /^SF/.test(t.trim()))) throw new Error(`SF offered after R: ${JSON.stringify(offered)}`);
    await shot('filter-completion');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: /^REJ/ }).first().click();
    await until('the suggestion inserted', async () => (await input.inputValue()) === 'connState == REJ ', 5000);
    await until('the expression offered for Enter', async () => (await rows())[0]?.includes('connState == REJ'), 5000);
    await page.keyboard.press('Enter');
    await until('the filter applied', async () => !(await input.isVisible().catch(() => false)), 5000);
    await palette(page, 'TCP: Filter Connections…');
    await until('the expression kept', async () => (await rows()).some((t) => t.includes('By expression') && t.includes('connState == REJ')), 5000);
    await page.keyboard.press('Escape');
    await palette(page, 'TCP: Clear Connection Filter');
  });

  // Why a connection was slow, on a loopback capture held back by its receiver's window: the
  // Performance node with the verdict's tooltip, and the hover of a packet inside the stall.
  await check('ui: the Performance node gives the verdict, and the hover of a packet in a stall names the stall', async () => {
    const slow = expect.slow;
    if (!slow || !ws) throw new Error('needs the engine\'s expectations and the workspace folder');
    const name = 'slow-receiver.tcpdump';
    const file = join(ws, name);
    copyFileSync(slow.file, file);
    let widened;
    try {
      await quickOpen(page, name);
      await showTree(page, pkg, { connections: [] });
      const row = (text) => page.locator('.part.sidebar .monaco-list-row').filter({ hasText: text }).first();
      const port = (ep) => ep.slice(ep.lastIndexOf('.') + 1);
      // The tree follows the active tab once its trace is ready.
      await until('the tree to show the capture', async () => (await treeRows(page)).some((r) => r.includes(name)), 15_000);
      // The tree may have expanded the connection already, to reveal the cursor's packet.
      await sleep(500);
      if (!(await row('Performance').isVisible())) await row(`${port(slow.connection.client)}`).click();
      await row('Performance').waitFor({ state: 'visible', timeout: 10_000 });
      await row('Performance').click();
      await row('Verdict').waitFor({ state: 'visible', timeout: 10_000 });
      // A wider side bar for the pictures, so the figures show whole; narrowed again at the end.
      const bar = await page.locator('.part.sidebar').boundingBox();
      const drag = async (from, to) => {
        await page.mouse.move(from, bar.y + bar.height / 2);
        await page.mouse.down();
        await page.mouse.move(to, bar.y + bar.height / 2, { steps: 8 });
        await page.mouse.up();
      };
      await drag(bar.x + bar.width + 1, bar.x + bar.width + 280);
      widened = () => drag(bar.x + bar.width + 281, bar.x + bar.width + 1);
      await sleep(300);
      await shot('performance');
      const verdict = await row('Verdict').innerText();
      if (!/receiver window · \d+% of/.test(verdict)) throw new Error(`the verdict row: ${verdict}`);
      // The verdict's tooltip: what it means, and each cause's share.
      // The pointer rests on the row (each move would start the hover's delay again).
      const label = row('Verdict').locator('.monaco-icon-label').first();
      await label.hover({ position: { x: 20, y: 8 } });
      await sleep(100);
      await label.hover({ position: { x: 24, y: 9 } });
      const tip = await until('the verdict\'s tooltip', async () => {
        const t = await page.locator('.monaco-hover, .workbench-hover').filter({ visible: true }).first().innerText().catch(() => '');
        return t.includes('Longest stall') ? t : undefined;
      }, 10_000).catch(async (e) => {
        const seen = await page.locator('.monaco-hover, .workbench-hover').allInnerTexts().catch(() => []);
        throw new Error(`${e.message}; hovers: ${JSON.stringify(seen).slice(0, 400)}`);
      });
      if (!tip.includes('the cause with the most time is the verdict')) throw new Error(`tooltip: ${tip}`);
      await sleep(600); // the tooltip fades in
      await shot('performance-hover');
      await page.mouse.move(2, 2);
      // The hover of a packet inside the longest stall.
      const lines = readFileSync(file, 'utf8').split(/\r?\n/);
      await hoverShowsStates(page, { hover: { ...slow.hover, tab: name } }, lines, async () => {
        const t = norm(await page.locator('.monaco-hover').filter({ visible: true }).first().innerText());
        const want = `waiting on receiver window, lines ${slow.stall.startLine}–${slow.stall.endLine}`;
        if (!t.includes(want)) throw new Error(`the hover lacks "${want}": ${t}`);
        await shot('stall-hover');
      }, true);
    } finally {
      await page.keyboard.press('Escape');
      if (widened) await widened().catch(() => {});
      // A middle click closes its tab ("View: Close Editor" could match a command that closes more).
      await page.locator('.editor-group-container .tabs-container .tab', { hasText: name }).first().click({ button: 'middle', timeout: 5000 }).catch(() => {});
      await until('its tab closed', async () => !(await page.locator('.editor-group-container .tabs-container .tab', { hasText: name }).count()), 5000).catch(() => {});
      rmSync(file, { force: true });
    }
  });

  await check('ui: an analysed file stays among the sources, is chosen again and closed', async () => {
    // "Analyze Capture File…" through VS Code's own file dialog, with a real loopback capture
    // copied into the workspace folder (where the dialog opens) and removed afterwards.
    await palette(page, 'TCP: Analyze Capture File…');
    const input = page.locator('.quick-input-widget input').first();
    await input.waitFor({ state: 'visible', timeout: 5000 });
    // The dialog fills in its folder once it has read it: type the path after that.
    const folder = await until('the file dialog to show its folder', async () => {
      const v = await input.inputValue().catch(() => '');
      return v.endsWith('/') ? v : undefined;
    }, 10_000);
    const pcap = `${folder}capture.pcap`;
    copyFileSync(fileURLToPath(new URL('../fixtures/captures/sample/capture.pcap', import.meta.url)), pcap);
    try {
      await sleep(500);
      await input.fill(pcap);
      await sleep(1000);
      await page.keyboard.press('Enter');
      // The tree's first row names the document or file it describes.
      const description = async () => (await treeRows(page))[0]?.replace(/\s+/g, ' ').trim() ?? '';
      await until('the tree to name the file', async () => {
        // The dialog may still be completing the typed path: Enter again once it shows the file alone.
        if (await input.isVisible().catch(() => false)) {
          if ((await input.inputValue().catch(() => '')) !== pcap) await input.fill(pcap);
          await sleep(500);
          await page.keyboard.press('Enter');
        }
        return /^capture\.pcap\s*analysed file/.test(await description());
      }, 20_000)
        .catch(async (e) => { throw new Error(`${e.message}; first row: ${await description()}`); });
      // Back in the editor, the cursor moved: the tree follows the document again.
      await gotoLine(page, 1);
      await until('the tree to follow the editor', async () => /^sample\.tcpdump\s*open document/.test(await description()), 10_000);
      await palette(page, 'TCP: Choose Source…');
      const rows = await until('both sources listed', async () => {
        const r = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts().catch(() => []);
        return r.some((t) => t.includes('capture.pcap')) && r.some((t) => t.includes('sample.tcpdump')) ? r : undefined;
      }, 5000);
      if (!rows.some((t) => t.includes('capture.pcap') && /analysed file/.test(t))) throw new Error(`rows: ${JSON.stringify(rows)}`);
      await sleep(300);
      await shot('sources');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'capture.pcap' }).first().click();
      await until('the file shown again', async () => /^capture\.pcap\s*analysed file/.test(await description()), 10_000);
      await palette(page, 'TCP: Close Source');
      await until('the file closed', async () => !/^capture\.pcap\s*analysed/.test(await description()), 10_000);
    } finally {
      rmSync(pcap, { force: true });
    }
  });

  await check('ui: TCP: Show Handshake shows the ISNs and RTT', async () => {
    const h = expect.handshake;
    if (!h) throw new Error('sample has no complete handshake');
    await gotoLine(page, h.synLine);
    const title = pkg.contributes?.commands?.find((c) => c.command === 'tcpTrace.showHandshake');
    await palette(page, title ? `${title.category ? `${title.category}: ` : ''}${title.title}` : 'TCP: Show Handshake');
    const { text } = await frameWith(page, (t) => t.includes(String(h.clientIsn)) && t.includes(String(h.serverIsn)), 'handshake panel with both ISNs');
    const shown = durations(text);
    if (!shown.some((v) => Math.abs(v - h.rttMs) <= Math.max(0.006, h.rttMs * 0.051))) {
      throw new Error(`RTT ${h.rttMs} ms not in panel (durations seen: ${shown.join(', ')})`);
    }
    await sleep(300);
    await shot('handshake');
  });

  await check('ui: moving the cursor updates the panel', async () => {
    const h = expect.handshake;
    if (!h || !expect.otherLine) throw new Error('needs a second packet');
    const { frame, text: before } = await frameWith(page, (t) => t.includes(String(h.clientIsn)), 'panel');
    await gotoLine(page, expect.otherLine);
    await until('panel to change', async () => {
      const t = await frame.evaluate(() => document.body.innerText).catch(() => before);
      return t !== before;
    }, 8000);
  });

  await check('ui: TCP: Show State Diagram draws the diagram, its labels at 11px or more', async () => {
    await showStateDiagram(page, pkg, expect);
    await sleep(500);
    // As the panel opens beside the editor: every label in view reads at 11 CSS pixels or more,
    // and both endpoints' states are in view.
    const found = await until('the diagram in its view', async () => {
      for (const f of page.frames()) {
        if (f === page.mainFrame()) continue;
        const r = await f.evaluate(() => {
          const svg = document.querySelector('.zoom-view svg.state-diagram');
          if (!svg) return null;
          const port = document.querySelector('.zoom-view').getBoundingClientRect();
          const inPort = (b) => b.right > port.left && b.left < port.right && b.bottom > port.top && b.top < port.bottom;
          const scale = svg.getScreenCTM().a;
          const sizes = [...svg.querySelectorAll('.edge-label, .node > text')]
            .filter((t) => inPort(t.getBoundingClientRect()))
            .map((t) => ({ text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * scale }));
          const marked = [...svg.querySelectorAll('.at-client rect, .at-server rect')].map((e) => inPort(e.getBoundingClientRect()));
          return { width: port.width, sizes, marked };
        }).catch(() => null);
        if (r && r.sizes.length) return r;
      }
      return undefined;
    });
    const small = found.sizes.filter((t) => t.px < 11).map((t) => `"${t.text}" ${t.px.toFixed(1)}px`);
    if (small.length) throw new Error(`labels under 11px in a ${Math.round(found.width)}px view: ${small.join(', ')}`);
    if (found.sizes.length < 8) throw new Error(`only ${found.sizes.length} labels in view`);
    if (!found.marked.length || !found.marked.every(Boolean)) throw new Error(`the endpoints' states are not in view: ${found.marked}`);
    await shot('panel');
  });

  await check("ui: the ladder marks the cursor's packet, in view, and follows the cursor", async () => {
    if (!expect.otherLine) throw new Error('needs a second packet');
    const frame = await until('the ladder with a current row', async () => {
      for (const f of page.frames()) {
        if (f === page.mainFrame()) continue;
        if (await f.evaluate(() => !!document.querySelector('.ladder-scroller .row.current')).catch(() => false)) return f;
      }
      return undefined;
    });
    // The current rows, and whether each lies inside the ladder's scroller.
    const current = () => frame.evaluate(() => {
      const view = document.querySelector('.ladder-scroller').getBoundingClientRect();
      return [...document.querySelectorAll('.ladder-scroller .row.current')].map((r) => {
        const b = r.getBoundingClientRect();
        return { text: r.textContent, inView: b.top >= view.top - 1 && b.bottom <= view.bottom + 1 };
      });
    });
    await frame.evaluate(() => document.querySelector('.ladder').scrollIntoView());
    const before = await current();
    if (before.length !== 1 || !before[0].inView) throw new Error(`current rows: ${JSON.stringify(before)}`);
    await gotoLine(page, expect.otherLine);
    await until('the ladder to follow the cursor', async () => {
      const now = await current();
      return now.length === 1 && now[0].inView && now[0].text !== before[0].text;
    }, 8000);
    await sleep(300);
    await shot('ladder');
    // Back to the top for the theme pictures.
    await frame.evaluate(() => document.querySelector('header')?.scrollIntoView());
  });

  await check('ui: text whose line breaks were lost gets a repairs notice and a normalised copy', async () => {
    // Enter would run the palette's top row ("Compare New Untitled Text Files" can be first): click ours.
    await page.keyboard.press('F1');
    const command = page.locator('.quick-input-widget input').first();
    await command.fill('>File: New Untitled Text File');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: /^File: New Untitled Text File/ }).first().click();
    await sleep(300);
    await page.keyboard.insertText(GLUED_PASTE);
    await page.keyboard.press('Control+Home');
    await palette(page, 'Change Language Mode');
    const input = page.locator('.quick-input-widget input').first();
    await input.fill('tcpdump');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'tcpdump' }).first().waitFor({ state: 'visible', timeout: 5000 });
    await page.keyboard.press('Enter');
    await palette(page, 'View: Focus Problems');
    await until('the repairs notice in the Problems panel', async () => {
      const rows = await page.locator('.markers-panel .monaco-list-row').allInnerTexts().catch(() => []);
      return rows.some((r) => /3 packets split from 1 glued line/.test(r)) ? rows : undefined;
    }, 20_000);
    await sleep(500);
    await shot('repairs');
    await palette(page, 'TCP: Open Normalised Copy');
    await until('the normalised copy', async () => {
      const lines = await page.locator('.monaco-editor .view-lines .view-line').allInnerTexts().catch(() => []);
      return lines.filter((l) => /^10:09:11\.1237?\d* IP/.test(l.replace(/\u00a0/g, ' '))).length === 3 ? lines : undefined;
    }, 10_000);
    await sleep(300);
    await shot('normalised');
    // Both untitled documents go without saving.
    for (let i = 0; i < 2; i++) {
      await palette(page, 'File: Revert File');
      await palette(page, 'View: Close Editor');
    }
    await palette(page, 'View: Hide Panel');
  });

  // The panel takes its colours from the theme: text must stay readable (WCAG AA, 4.5:1)
  // and the two endpoints' paths must stand out from the background in every kind of theme.
  for (const [theme, kind, name] of [
    ['Light Modern', 'vscode-light', 'panel-light'],
    ['Dark High Contrast', 'vscode-high-contrast', 'panel-high-contrast'],
    ['Dark Modern', 'vscode-dark', null],
  ]) {
    await check(`ui: the panel is readable in ${theme}`, async () => {
      await focusEditor(page);
      await pickTheme(page, theme);
      const colours = await until(`the panel to switch to ${kind}`, async () => {
        for (const f of page.frames()) {
          if (f === page.mainFrame()) continue;
          const c = await f.evaluate((k) => {
            const svg = document.querySelector('svg.state-diagram');
            if (!svg || !document.body.classList.contains(k)) return null;
            const css = (el, p) => (el ? getComputedStyle(el)[p] : '');
            return {
              background: css(document.body, 'backgroundColor'),
              text: css(document.body, 'color'),
              node: css(svg.querySelector('.node text'), 'fill'),
              label: css(svg.querySelector('.edge-label:not(.taken)'), 'fill'),
              client: css(svg.querySelector('.path.client'), 'stroke'),
              server: css(svg.querySelector('.path.server'), 'stroke'),
            };
          }, kind).catch(() => null);
          if (c) return c;
        }
        return null;
      });
      const bg = rgb(colours.background);
      for (const k of ['text', 'node', 'label']) {
        const ratio = contrast(rgb(colours[k], bg), bg);
        if (ratio < 4.5) throw new Error(`${k} ${colours[k]} on ${colours.background}: contrast ${ratio.toFixed(2)}`);
      }
      for (const k of ['client', 'server']) {
        if (!colours[k]) continue; // no path drawn for this endpoint at this line
        const ratio = contrast(rgb(colours[k], bg), bg);
        // WCAG 2.1's 3:1 for graphical objects: each endpoint's path must be seen without effort.
        if (ratio < 3) throw new Error(`${k} path ${colours[k]} on ${colours.background}: contrast ${ratio.toFixed(2)}`);
      }
      if (name) {
        await sleep(400);
        await shot(name);
      }
    });
  }

  // tcpTrace.language at Chinese: the tree, the hover, the panel and the handshake view speak it,
  // with the Dark Modern theme the last check left. The extension-host suite checks every text.
  await check('ui: with tcpTrace.language at Chinese, the tree, hover, panel and handshake view are in Chinese', async () => {
    setSettings({ 'tcpTrace.language': 'zh' });
    try {
      await focusEditor(page);
      await showTree(page, pkg, expect);
      await until('the tree in Chinese', async () => {
        const rows = await treeRows(page);
        return rows.some((r) => HAN.test(r)) ? rows : undefined;
      });
      // The CodeLens above each connection too: VS Code asks for them again a moment later.
      await until('the CodeLens in Chinese', async () => {
        const lenses = await page.locator('.monaco-editor .codelens-decoration').allInnerTexts().catch(() => []);
        return lenses.length && lenses.every((l) => HAN.test(l)) ? lenses : undefined;
      });
      await hoverShowsStates(page, expect, lines, async () => {
        const t = await page.locator('.monaco-hover').filter({ visible: true }).first().innerText();
        if (!HAN.test(t) || /\b(?:client|server|Connection|packet)\b/.test(t)) throw new Error(`hover not in Chinese: ${t}`);
        await shot('zh-hover');
      }, true);
      // The tree has followed the cursor into the hovered packet's connection.
      await sleep(300);
      await shot('zh-tree');
      await showStateDiagram(page, pkg, expect);
      const english = /\b(?:State diagram|Ladder|Handshake|Previous packet|Next packet|Export SVG|Copy summary|client|server|history|current transition)\b/;
      await frameWith(page, (t) => t.includes('状态图') && t.includes('上一个报文') && !english.test(t), 'the panel in Chinese');
      // The picture at the reset, whose path the diagram draws in the current transition's colour.
      await gotoLine(page, expect.rstLine);
      await frameWith(page, (t) => t.includes('RST') && t.includes('状态图') && !english.test(t), 'the panel at the reset, in Chinese');
      await sleep(500);
      await shot('zh-panel');
      const h = expect.handshake;
      await gotoLine(page, h.synLine);
      const title = pkg.contributes?.commands?.find((c) => c.command === 'tcpTrace.showHandshake');
      await palette(page, title ? `${title.category ? `${title.category}: ` : ''}${title.title}` : 'TCP: Show Handshake');
      await frameWith(page, (t) => t.includes(String(h.clientIsn)) && t.includes('协商') && !english.test(t), 'the handshake view in Chinese');
      await sleep(300);
      await shot('zh-handshake');
    } finally {
      setSettings(null);
    }
  });

  await check("ui: the Graphs tab draws a real capture's connection, and a click on a retransmission moves the cursor to its line", async () => {
    await graphsChecks(page, expect, pkg, shot, ws);
  });
}

const HAN = /\p{Script=Han}/u;

/**
 * The TCP tour: the walkthrough opens from its command and shows a lesson's text (a markdown
 * webview) naming the lines to hover; its button opens the example. "TCP: Open Example…" with
 * no argument offers every example in a quick pick. Pictures in the dark and light theme.
 */
export async function runTourChecks({ page, pkg, check, shot }) {
  const title = (id) => {
    const c = pkg.contributes?.commands?.find((x) => x.command === id);
    return `${c.category}: ${c.title}`;
  };
  const tour = pkg.contributes.walkthroughs.find((w) => w.id === 'tcpTour');
  const first = tour.steps[0];
  const lesson = () => frameWith(page, (t) => /2205458057/.test(t) && /2628896210/.test(t), "the handshake lesson's text");

  const openLesson = async (step = first, shown = lesson) => {
    await until('the walkthrough with its nine lessons', async () => {
      const text = await page.locator('.gettingStartedContainer').first().innerText().catch(() => '');
      return tour.steps.every((s) => text.includes(s.title)) ? text : undefined;
    });
    await page.locator('.getting-started-step', { hasText: step.title }).first().click();
    return shown();
  };

  await check("ui: with no trace open, the Connections view offers the tour and the examples", async () => {
    await palette(page, 'View: Close All Editors');
    // Untitled test documents left from the checks above go without saving.
    const dontSave = page.locator('.monaco-dialog-box .monaco-button', { hasText: "Don't Save" }).first();
    if (await dontSave.isVisible({ timeout: 1500 }).catch(() => false)) await dontSave.click();
    await until('no editor open', async () => (await page.locator('.editor-group-container .tabs-container .tab').count()) === 0);
    const welcome = page.locator('.welcome-view-content').first();
    await until('the welcome view', async () => /Start the TCP Tour/.test(await welcome.innerText().catch(() => '')) && /Open Example/.test(await welcome.innerText().catch(() => '')));
    await sleep(300);
    await shot('welcome');
    await welcome.locator('a, .monaco-button', { hasText: 'Start the TCP Tour' }).first().click();
    const { text } = await openLesson();
    if (!/Line 1/.test(text) || !/SYN_SENT/.test(text)) throw new Error(`lesson text: ${text.slice(0, 300)}`);
    await sleep(500);
    await shot('tour');
  });

  await check("ui: a lesson's button opens its example at the lesson's line", async () => {
    const step = page.locator('.getting-started-step.expanded').first();
    await step.locator('a, .monaco-button', { hasText: /Open the Example/ }).first().click();
    await editorOpen(page, 'client-close.tcpdump');
    await until('the status bar to show the tcpdump language and line 1', async () => {
      const mode = await page.locator('[id="status.editor.mode"]').first().innerText().catch(() => '');
      const pos = await page.locator('[id="status.editor.selection"]').first().innerText().catch(() => '');
      return /tcpdump/i.test(mode) && /\b1\b/.test(pos);
    });
    await palette(page, 'View: Close Editor');
  });

  await check('ui: TCP: Start the TCP Tour, in a light theme', async () => {
    await pickTheme(page, 'Light Modern');
    await until('the workbench in a light theme', () => page.evaluate(() => document.querySelector('.monaco-workbench')?.classList.contains('vs')));
    await palette(page, title('tcpTrace.openTour'));
    // The SYN flood lesson, its backoff lines named.
    const flood = tour.steps.find((s) => s.id === 'synFlood');
    await openLesson(flood, () => frameWith(page, (t) => /Lines 121, 181, 248 and 301/.test(t) && /SYN_RECEIVED/.test(t), 'the SYN flood lesson'));
    await sleep(600);
    await shot('tour-light');
    await pickTheme(page, 'Dark Modern');
    await until('the workbench in a dark theme', () => page.evaluate(() => document.querySelector('.monaco-workbench')?.classList.contains('vs-dark')));
  });

  await check('ui: TCP: Open Example… offers every example and opens the one picked', async () => {
    await palette(page, title('tcpTrace.openExample'));
    const rows = await until('the examples in a quick pick', async () => {
      const r = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts().catch(() => []);
      return r.length >= 9 ? r : undefined;
    });
    if (!rows.some((r) => r.includes('retransmission.tcpdump'))) throw new Error(`rows: ${rows.join(' | ')}`);
    await page.locator('.quick-input-widget input').first().fill('retransmission');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'retransmission.tcpdump' }).first().click();
    await editorOpen(page, 'retransmission.tcpdump');
    await palette(page, 'View: Close Editor');
  });
}

/**
 * The Graphs tab on a real capture (copied into the workspace, removed after): it opens beside
 * the editor, a click on a retransmission's mark moves the editor's cursor to that packet's line,
 * and the pictures in the dark and light themes.
 */
/**
 * Opens a workspace file by name with Quick Open (Ctrl+P). A file copied in a moment ago may
 * not be in the file search's results yet, so the name is typed again until it is.
 */
async function quickOpen(page, name) {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input').first();
    await input.waitFor({ state: 'visible', timeout: 5000 });
    await input.fill(name);
    if (await row.waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false)) break;
    if (attempt === 4) throw new Error(`Quick Open never listed ${name}`);
  }
  await row.click();
  await editorOpen(page, name);
}

async function graphsChecks(page, expect, pkg, shot, ws) {
  const g = expect.graphs;
  if (!g || !ws) throw new Error('no capture for the graphs');
  const file = `${ws}/${g.name}`;
  copyFileSync(g.source, file);
  try {
    await quickOpen(page, g.name);
    await sleep(500);
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input').first().fill(`:${g.line}`);
    await page.keyboard.press('Enter');
    await sleep(300);
    const title = pkg.contributes?.commands?.find((c) => c.command === 'tcpTrace.showStateDiagram');
    await palette(page, title ? `${title.category ? `${title.category}: ` : ''}${title.title}` : 'TCP: Show State Diagram');
    const { frame } = await frameWith(page, (t) => t.includes('Graphs'), 'the panel with a Graphs tab');
    await frame.locator('vscode-tab-header', { hasText: 'Graphs' }).first().click();
    const svg = frame.locator('.graphs-view svg.graphs-svg');
    await until('the graphs drawn', async () => (await svg.count()) > 0 && (await frame.locator('.graphs-svg path.g-retrans').count()) > 0, 20_000);
    await sleep(300);
    const cursorLine = async () => Number(/(\d+)/.exec(await page.locator('[id="status.editor.selection"]').first().innerText().catch(() => ''))?.[1]);
    const before = await cursorLine();
    // The first retransmission's mark: its bar's top, in the SVG's own pixels.
    const at = await frame.evaluate(() => {
      const d = document.querySelector('.graphs-svg path.g-retrans').getAttribute('d');
      const m = /^M([\d.]+) ([\d.]+)V([\d.]+)/.exec(d);
      return { x: Number(m[1]), y: Number(m[3]) };
    });
    await svg.click({ position: at });
    // The status bar shows the cursor of the editor in front: bring the capture's editor forward.
    const tab = page.locator('.editor-group-container .tabs-container .tab', { hasText: g.name }).first();
    const after = await until('the cursor to move to a retransmission', async () => {
      await tab.click();
      const line = await cursorLine();
      return line !== before && g.retransmissionLines.includes(line) ? line : undefined;
    }, 10_000).catch(async (e) => {
      throw new Error(`${e.message}; cursor at line ${await cursorLine()}, retransmissions at ${g.retransmissionLines.slice(0, 8).join(', ')}…`);
    });
    // The graphs mark the packet now at the cursor.
    await until(`the graphs to mark line ${after}`, () => frame.evaluate((x) => {
      const d = document.querySelector('.graphs-svg .g-cursor path')?.getAttribute('d') ?? '';
      return Math.abs(Number(/^M([\d.]+)/.exec(d)?.[1]) - x) < 2;
    }, at.x), 10_000);
    // The pictures zoomed in on the transfer around that packet: the wheel over it.
    const box = await svg.boundingBox();
    await page.mouse.move(box.x + at.x, box.y + at.y);
    for (let i = 0; i < 4; i++) {
      await page.mouse.wheel(0, -300);
      await sleep(150);
    }
    await page.mouse.move(2, 2);
    await sleep(300);
    await shot('graphs');
    const view = frame.locator('.graphs-view');
    await shot('graphs-dark', view);
    await frame.locator('.graph-mode').click();
    await sleep(300);
    await shot('graphs-stevens-dark', view);
    await frame.locator('.graph-mode').click();
    await pickTheme(page, 'Light Modern');
    await until('the graphs in a light theme', () => frame.evaluate(() => document.body.classList.contains('vscode-light')), 10_000);
    await sleep(500);
    await shot('graphs-light', view);
    await frame.locator('.graph-mode').click();
    await sleep(300);
    await shot('graphs-stevens-light', view);
    await frame.locator('.graph-mode').click();
    await pickTheme(page, 'Dark Modern');
    await until('the graphs in a dark theme', () => frame.evaluate(() => document.body.classList.contains('vscode-dark')), 10_000);
    // The panel back at the diagram for the checks after this one.
    await frame.locator('vscode-tab-header').first().click();
  } finally {
    // Its tab's own close button: the command would close whichever editor has the focus.
    const tab = page.locator('.editor-group-container .tabs-container .tab', { hasText: g.name }).first();
    await tab.hover().catch(() => {});
    await tab.locator('.tab-actions .action-label').first().click().catch(() => {});
    rmSync(file, { force: true });
  }
}

/** Waits for an editor tab named `name` (its label, or the window's title once it is active). */
async function editorOpen(page, name) {
  let seen = '';
  try {
    await until(`${name} in an editor`, async () => {
      seen = await page.evaluate(() => [document.title, ...[...document.querySelectorAll('.tab')].map((t) => `${t.textContent} ${t.getAttribute('aria-label') ?? ''}`)].join(' | '));
      return seen.includes(name);
    });
  } catch (e) {
    throw new Error(`${e.message}; tabs and title: ${seen.slice(0, 400)}`);
  }
}

/** Ctrl+K Ctrl+T opens the theme picker itself (the palette's fuzzy match may pick "Browse Color Themes…" instead). */
async function pickTheme(page, theme) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+T');
  const input = page.locator('.quick-input-widget input').first();
  await input.waitFor({ state: 'visible', timeout: 5000 });
  await input.fill(theme);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: theme }).first().waitFor({ state: 'visible', timeout: 5000 });
  await page.keyboard.press('Enter');
}

/**
 * `rgb(r, g, b)`, `rgba(r, g, b, a)` or `color(srgb r g b / a)` as [r, g, b], a translucent colour
 * composited over `under` (as [r, g, b]): what the eye sees is what counts.
 */
function rgb(css, under = [0, 0, 0]) {
  const m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+))?/.exec(css ?? '');
  const c = /color\(srgb\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)(?:\s*\/\s*([\d.]+))?/.exec(css ?? '');
  if (!m && !c) throw new Error(`not a colour: ${css}`);
  const v = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [Number(c[1]) * 255, Number(c[2]) * 255, Number(c[3]) * 255];
  const a = Number((m ?? c)[4] ?? 1);
  return v.map((x, i) => a * x + (1 - a) * under[i]);
}

/** WCAG 2 contrast ratio of two sRGB colours. */
function contrast(a, b) {
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

function durations(text) {
  const out = [];
  const re = /(\d+(?:\.\d+)?)\s*(ms|µs|us|s)\b/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const v = Number(m[1]);
    out.push(m[2] === 's' ? v * 1000 : m[2] === 'ms' ? v : v / 1000);
  }
  return out;
}

export const screenshotNames = ['editor', 'tree', 'sources', 'hover', 'panel', 'handshake', 'panel-light', 'panel-high-contrast', 'graphs', 'graphs-dark', 'graphs-light', 'graphs-stevens-dark', 'graphs-stevens-light', 'repairs', 'normalised', 'performance', 'performance-hover', 'stall-hover', 'welcome', 'tour', 'tour-light', 'zh-tree', 'zh-hover', 'zh-panel', 'zh-handshake'];

/** A handshake as a web page shows it once its line breaks are lost: prompt, banner and three packets on one line. */
const GLUED_PASTE =
  '[root@localhost ~]# tcpdump -i eth0 -nn port 80 tcpdump: verbose output suppressed, use -v or -vv for full protocol decode listening on eth0, link-type EN10MB (Ethernet), capture size 262144 bytes ' +
  '10:09:11.123456 IP 192.168.1.2.52000 > 192.168.1.3.80: Flags [S], seq 3839207465, win 29200, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0 ' +
  '10:09:11.123600 IP 192.168.1.3.80 > 192.168.1.2.52000: Flags [S.], seq 1048011040, ack 3839207466, win 28960, options [mss 1460,sackOK,TS val 2 ecr 1,nop,wscale 7], length 0 ' +
  '10:09:11.123700 IP 192.168.1.2.52000 > 192.168.1.3.80: Flags [.], ack 1, win 229, options [nop,nop,TS val 3 ecr 2], length 0';

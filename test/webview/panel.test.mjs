// Panel tests, run by scripts/webview-tests.mjs in Chromium. Each test gets a fresh page.
// Fixtures are view models recorded from src/viewModel.ts (test/webview/record-fixtures.mjs).
import assert from 'node:assert/strict';

const RFC_STATES = [
  'CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1',
  'FIN_WAIT_2', 'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT',
];
const HOSTILE = '<img src=x onerror=window.__pwned=1>';

/** The rendered ladder rows (role=option), in order. */
const rows = (page) => page.locator('[role="listbox"] [role="option"]');

/** Every text of a page, shadow roots included. */
function allText(page) {
  return page.evaluate(() => {
    const out = [];
    const walk = (n) => {
      if (n.nodeType === 3) out.push(n.nodeValue);
      if (n.shadowRoot) walk(n.shadowRoot);
      for (const c of n.childNodes) walk(c);
    };
    walk(document.body);
    return out.join('\n');
  });
}

function hostile(model) {
  const m = structuredClone(model);
  m.document = HOSTILE;
  m.connection.client = HOSTILE;
  m.connection.server = `${HOSTILE}.80`;
  m.connection.summary = HOSTILE;
  m.connection.outcome = HOSTILE;
  m.connection.history = HOSTILE;
  if (m.diagram) {
    m.diagram.explanation = HOSTILE;
    m.diagram.clientStateText = HOSTILE;
    m.diagram.clientState = HOSTILE;
  }
  for (const r of m.ladder.rows) {
    r.label = `${HOSTILE} ${r.label}`;
    r.events = [HOSTILE];
  }
  if (m.handshake) {
    m.handshake.notes = [HOSTILE];
    m.handshake.rtt = HOSTILE;
    for (const o of m.handshake.options) o.client = HOSTILE;
    for (const st of m.handshake.steps) st.checks.push({ text: HOSTILE, ok: false });
  }
  return m;
}

async function assertNotRun(page, where) {
  await page.waitForTimeout(300);
  const pwned = await page.evaluate(() => window.__pwned);
  assert.equal(pwned, undefined, `${where}: injected markup ran`);
  const imgs = await page.evaluate(() => document.querySelectorAll('img').length);
  assert.equal(imgs, 0, `${where}: an <img> element was created from a trace string`);
  const text = await allText(page);
  assert.ok(text.includes(HOSTILE), `${where}: the literal text is shown`);
}

export const tests = [
  {
    name: 'posts ready when loaded',
    async run({ open, posted }) {
      await open();
      assert.deepEqual((await posted())[0], { type: 'ready' });
    },
  },
  {
    name: 'draws the RFC 9293 diagram: an SVG with 11 state nodes',
    async run({ page, open, post, fixture }) {
      await open();
      await post(fixture('diagram.json'));
      const names = await page.waitForFunction((states) => {
        for (const svg of document.querySelectorAll('svg')) {
          const texts = new Set([...svg.querySelectorAll('text')].map((t) => t.textContent.trim()));
          const found = states.filter((s) => texts.has(s));
          if (found.length === states.length) return found;
        }
        return false;
      }, RFC_STATES, { timeout: 3000 }).then((h) => h.jsonValue());
      assert.equal(names.length, 11);
      const nodes = await page.locator('svg g.node').count();
      assert.equal(nodes, 11, 'eleven node groups');
    },
  },
  {
    name: 'edge labels stay inside the diagram and cover no state and no other label',
    async run({ page, open, post, fixture }) {
      const m = fixture('diagram.json');
      const every = Array.from({ length: 200 }, (_, i) => i);
      const views = {
        'the fixture': m.diagram,
        'no path taken': { ...m.diagram, clientPath: [], serverPath: [], current: { client: [], server: [] } },
        // Every transition taken (indices past the table are ignored): every reset edge drawn too.
        'every transition taken': { ...m.diagram, clientPath: every, serverPath: every, current: { client: [0], server: [2] } },
      };
      await open();
      for (const [what, diagram] of Object.entries(views)) {
        await post({ ...m, diagram });
        await page.locator('svg.state-diagram .edge-label').first().waitFor({ timeout: 3000 });
        const found = await page.evaluate(() => {
          const svg = document.querySelector('svg.state-diagram');
          const view = svg.viewBox.baseVal;
          const box = (el) => {
            const b = el.getBBox();
            return { x: b.x, y: b.y, w: b.width, h: b.height };
          };
          const nodes = [...svg.querySelectorAll(':is(.node, .node-alias) rect')].map(box);
          const labels = [...svg.querySelectorAll('.edge-label')].map((t) => ({ text: t.textContent, ...box(t) }));
          const cover = (a, b) => Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) > 0.5 && Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y) > 0.5;
          const out = [];
          for (const [i, l] of labels.entries()) {
            if (l.x < view.x || l.y < view.y || l.x + l.w > view.x + view.width || l.y + l.h > view.y + view.height) out.push(`"${l.text}" outside the drawing`);
            if (nodes.some((n) => cover(l, n))) out.push(`"${l.text}" over a state`);
            for (const k of labels.slice(i + 1)) if (cover(l, k)) out.push(`"${l.text}" over "${k.text}"`);
          }
          return { count: labels.length, out };
        });
        assert.ok(found.count >= 15, `${what}: ${found.count} edge labels drawn`);
        assert.deepEqual(found.out, [], what);
      }
    },
  },
  {
    name: 'ladder labels stay between the lifelines in a narrow panel, the whole label in the row title',
    async run({ page, open, post, fixture }) {
      await page.setViewportSize({ width: 520, height: 900 });
      const m = fixture('diagram.json');
      await open();
      await post(m);
      await rows(page).first().waitFor({ timeout: 3000 });
      const found = await page.evaluate(() => {
        const svg = document.querySelector('svg.ladder-svg');
        const left = Number(svg.querySelector('.lifeline.client').getAttribute('x1'));
        const right = Number(svg.querySelector('.lifeline.server').getAttribute('x1'));
        return [...svg.querySelectorAll('[role="option"]')].map((g) => {
          const t = g.querySelector('.arrow-label');
          const b = t.getBBox();
          return { text: t.textContent, title: g.querySelector('title').textContent, x: b.x, end: b.x + b.width, left, right };
        });
      });
      assert.ok(found.length >= m.ladder.rows.length, `${found.length} rows drawn`);
      for (const r of found) {
        assert.ok(r.x >= r.left && r.end <= r.right, `"${r.text}" spans ${r.x.toFixed(0)}-${r.end.toFixed(0)}, lifelines at ${r.left} and ${r.right}`);
        const shown = r.text.endsWith('…') ? r.text.slice(0, -1) : r.text;
        assert.ok(r.title.includes(shown), `the title "${r.title}" holds "${shown}"`);
      }
      const row = m.ladder.rows.reduce((a, b) => (b.label.length > a.label.length ? b : a));
      const longest = found.find((r) => r.title.endsWith(row.label));
      assert.ok(longest, `the row of "${row.label}" is drawn`);
    },
  },
  {
    name: "marks both endpoints' current states on the diagram",
    async run({ page, open, post, fixture }) {
      const m = fixture('diagram.json');
      await open();
      await post(m);
      const client = await page.locator('svg g.node.at-client text').first().textContent();
      const server = await page.locator('svg g.node.at-server text').first().textContent();
      assert.equal(client, m.diagram.clientState);
      assert.equal(server, m.diagram.serverState);
    },
  },
  {
    name: 'each connection gets the diagram of its own states, drawn anew or copied from an earlier one alike',
    async run({ page, open, post, fixture }) {
      const m = fixture('diagram.json');
      const at = (id, clientState, serverState, current) => ({
        ...m,
        connection: { ...m.connection, id },
        ladder: { ...m.ladder, key: `${id}:0` },
        diagram: { ...m.diagram, clientState, serverState, current },
      });
      const marks = async () => [
        await page.locator('.state-diagram g.node.at-client text').first().textContent(),
        await page.locator('.state-diagram g.node.at-server text').first().textContent(),
        await page.locator('.state-diagram path.current').count(),
        await page.locator('.state-diagram').evaluate((e) => e.outerHTML),
      ];
      await open();
      await post(at(1, 'ESTABLISHED', 'ESTABLISHED', m.diagram.current));
      const first = await marks();
      await post(at(2, 'SYN_SENT', 'SYN_RECEIVED', { client: [], server: [] }));
      const second = await marks();
      assert.deepEqual(second.slice(0, 3), ['SYN_SENT', 'SYN_RECEIVED', 0]);
      assert.notEqual(second[3], first[3]);
      await post(at(3, 'ESTABLISHED', 'ESTABLISHED', m.diagram.current));
      const third = await marks();
      assert.deepEqual(third, first, 'the same states and paths draw the same diagram');
      assert.equal(first[0], 'ESTABLISHED');
      assert.ok(first[2] > 0, 'the current transition is marked');
      assert.equal(await page.locator('.state-diagram').count(), 1, 'one diagram in the panel');
    },
  },
  {
    name: 'shows the connection and the position',
    async run({ open, post, fixture, page }) {
      const m = fixture('diagram.json');
      await open();
      await post(m);
      const text = await allText(page);
      assert.ok(text.includes(m.connection.client) && text.includes(m.connection.server), 'both endpoints shown');
      assert.ok(text.includes(`${m.current + 1}`) && text.includes(`${m.connection.packets}`), 'packet position shown');
    },
  },
  {
    name: 'clicking a ladder arrow posts select with its packet index',
    async run({ page, open, post, fixture, clearPosted, expectPosted }) {
      const m = fixture('diagram.json');
      await open();
      await post(m);
      await rows(page).first().waitFor({ timeout: 3000 });
      await clearPosted();
      const k = m.ladder.rows.length - 1;
      await rows(page).nth(k).click();
      await expectPosted((x) => x.type === 'select' && x.index === m.ladder.rows[k].index, `select ${m.ladder.rows[k].index}`);
    },
  },
  {
    name: 'cursor moves through a long connection: one current row, in view, rows in order as they arrive',
    async run({ page, open, post, fixture }) {
      await page.setViewportSize({ width: 900, height: 700 });
      const base = fixture('diagram.json');
      const total = 1000;
      const row = (i) => ({ ...base.ladder.rows[2], index: i, ordinal: i, line: i + 1, from: i % 2 ? 'server' : 'client', label: `[.] seq ${i}00:${i + 1}00 ack 1`, t: i / 1e4 });
      const sent = new Set();
      /** The view model of a cursor on packet `cur`, with the rows around it the webview lacks. */
      const model = (cur) => {
        const m = structuredClone(base);
        const rows = [];
        for (let i = Math.max(0, cur - 40); i < Math.min(total, cur + 41); i++) if (!sent.has(i)) rows.push(row(i));
        if (sent.size) delete m.strings;
        rows.forEach((r) => sent.add(r.ordinal));
        return { ...m, currentIndex: cur, current: cur, connection: { ...m.connection, packets: total }, ladder: { total, start: rows.length ? rows[0].ordinal : cur, rows, key: '7:0' } };
      };
      const seqOf = (text) => Number(/seq (\d+)00:/.exec(text)?.[1]);
      await open();
      // Forwards in steps that scroll, then back to the start and to the end.
      for (const cur of [300, 303, 306, 330, 360, 420, 200, 0, 999]) {
        await post(model(cur));
        const current = page.locator('[role="listbox"] .row.current');
        await current.waitFor({ timeout: 3000 });
        assert.equal(await current.count(), 1, `one current row at ${cur}`);
        assert.equal(seqOf(await current.textContent()), cur, `the current row is packet ${cur}`);
        const drawn = (await rows(page).allTextContents()).map(seqOf).filter((x) => x === x);
        assert.ok(drawn.length > 10, `rows drawn at ${cur}`);
        for (let i = 1; i < drawn.length; i++) assert.equal(drawn[i], drawn[i - 1] + 1, `rows in order at ${cur}: ${drawn.slice(0, 5)}`);
        const [box, view] = await Promise.all([current.boundingBox(), page.locator('.ladder-scroller').boundingBox()]);
        assert.ok(box.y >= view.y - 1 && box.y + box.height <= view.y + view.height + 1, `packet ${cur} is in view`);
      }
    },
  },
  {
    name: 'keyboard: arrows, Home and End in the ladder select packets',
    async run({ page, open, post, fixture, clearPosted, expectPosted }) {
      const m = fixture('diagram.json');
      const at = (ordinal) => m.ladder.rows[ordinal - m.ladder.start].index;
      await open();
      await post(m);
      await page.locator('[role="listbox"]').first().focus();
      for (const [key, ordinal] of [['ArrowDown', m.current + 1], ['ArrowUp', m.current - 1], ['Home', 0], ['End', m.ladder.total - 1]]) {
        await clearPosted();
        await page.keyboard.press(key);
        await expectPosted((x) => x.type === 'select' && x.index === at(ordinal), `${key} -> select ${at(ordinal)}`);
      }
    },
  },
  {
    name: 'keyboard: n and p step through packets from anywhere in the panel',
    async run({ page, open, post, fixture, clearPosted, expectPosted }) {
      const m = fixture('diagram.json');
      const at = (ordinal) => m.ladder.rows[ordinal - m.ladder.start].index;
      await open();
      await post(m);
      await page.locator('h1').first().click();
      await clearPosted();
      await page.keyboard.press('n');
      await expectPosted((x) => x.type === 'select' && x.index === at(m.current + 1), 'n -> next');
      await clearPosted();
      await page.keyboard.press('p');
      await expectPosted((x) => x.type === 'select' && x.index === at(m.current - 1), 'p -> previous');
    },
  },
  {
    name: 'toolbar buttons post their commands',
    async run({ page, open, post, fixture, clearPosted, expectPosted }) {
      const m = fixture('diagram.json');
      await open();
      await post(m);
      for (const [label, command] of [[m.strings.exportSvg, 'exportSvg'], [m.strings.exportMermaid, 'exportMermaid'], [m.strings.copySummary, 'copySummary']]) {
        await clearPosted();
        await page.locator('vscode-button', { hasText: label }).first().click();
        await expectPosted((x) => x.type === 'command' && x.command === command, command);
      }
    },
  },
  {
    name: 'handshake mode shows both ISNs, the checks and the RTT',
    async run({ page, open, post, fixture }) {
      const m = fixture('handshake.json');
      await open();
      await post(m);
      const text = await allText(page);
      for (const st of m.handshake.steps) {
        assert.ok(text.includes(st.seq), `step ${st.step} seq ${st.seq}`);
      }
      assert.ok(m.handshake.rtt && text.includes(m.handshake.rtt), `RTT ${m.handshake.rtt}`);
      const visible = await page.locator('.hs-steps').first().isVisible();
      assert.ok(visible, 'the handshake section is visible in handshake mode');
    },
  },
  {
    name: 'handshake mode: a line link posts select',
    async run({ page, open, post, fixture, clearPosted, expectPosted }) {
      const m = fixture('handshake.json');
      const step = m.handshake.steps.find((s) => s.index !== null && s.line !== null);
      await open();
      await post(m);
      await clearPosted();
      await page.locator('button', { hasText: m.strings.line.replace('{0}', String(step.line)) }).first().click();
      await expectPosted((x) => x.type === 'select' && x.index === step.index, `select ${step.index}`);
    },
  },
  {
    name: 'switching tabs posts the mode',
    async run({ page, open, post, fixture, clearPosted, expectPosted }) {
      const m = fixture('diagram.json');
      await open();
      await post(m);
      await clearPosted();
      await page.locator('vscode-tab-header', { hasText: m.strings.handshake }).first().click();
      await expectPosted((x) => x.type === 'mode' && x.mode === 'handshake', 'mode handshake');
    },
  },
  {
    name: 'keeps its state for restore (uri, index, mode)',
    async run({ page, open, post, fixture }) {
      const m = fixture('diagram.json');
      await open();
      await post(m);
      const state = await page.evaluate(() => window.__state);
      assert.deepEqual(state, { uri: m.uri, index: m.currentIndex, mode: m.mode });
    },
  },
  {
    name: 'ignores malformed and foreign messages',
    async run({ page, open, post, fixture }) {
      const m = fixture('diagram.json');
      await open();
      await post(m);
      const before = await allText(page);
      await post({ type: 'model', mode: 'diagram' });
      await post({ type: 'rows', connection: 'x' });
      await post('<b>hi</b>');
      await post(null);
      await post({ ...m, ladder: { total: 1, start: 0, rows: [{ index: 'x' }] } });
      assert.equal(await allText(page), before, 'nothing changed');
    },
  },
  {
    name: 'a hostile host name shows as text and never runs (webview CSP)',
    async run({ page, open, post, fixture }) {
      await open();
      await post(hostile(fixture('diagram.json')));
      await assertNotRun(page, 'diagram');
      await post(hostile(fixture('handshake.json')));
      await assertNotRun(page, 'handshake');
    },
  },
  {
    name: 'a hostile host name shows as text and never runs (no CSP at all)',
    async run({ page, open, post, fixture }) {
      await open({ csp: false });
      await post(hostile(fixture('diagram.json')));
      await assertNotRun(page, 'diagram');
      await post(hostile(fixture('handshake.json')));
      await assertNotRun(page, 'handshake');
      const msg = { ...fixture('diagram.json'), connection: null, diagram: null, handshake: null, message: HOSTILE, document: HOSTILE, ladder: { total: 0, start: 0, rows: [] } };
      await post(msg);
      await assertNotRun(page, 'message');
    },
  },
];

// Panel tests, run by scripts/webview-tests.mjs in Chromium. Each test gets a fresh page.
// Fixtures are view models recorded from src/editor/viewModel.ts (test/webview/record-fixtures.mjs).
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


/** Labels read at this size or larger, in CSS pixels, at the zoom the diagram opens at. */
const MIN_LABEL_PX = 11;

/** The state diagram's view: its viewBox, CSS pixels per unit, the viewport's rectangle and the drawing's size. */
function diagramView(page) {
  return page.evaluate(() => {
    const svg = document.querySelector('.zoom-view svg.state-diagram');
    const vb = svg.viewBox.baseVal;
    const r = document.querySelector('.zoom-view').getBoundingClientRect();
    return {
      x: vb.x, y: vb.y, w: vb.width, h: vb.height,
      scale: svg.getScreenCTM().a,
      port: { left: r.left, top: r.top, width: r.width, height: r.height },
      width: Number(svg.dataset.width), height: Number(svg.dataset.height),
      percent: document.querySelector('.zoom-percent').textContent,
    };
  });
}

/** The panel with the diagram fixture drawn, the diagram view focused from the keyboard. */
async function focusedDiagram({ page, open, post, fixture }, size = { width: 900, height: 900 }) {
  await page.setViewportSize(size);
  const m = fixture('diagram.json');
  await open();
  await post(m);
  await page.locator('.zoom-view svg.state-diagram').waitFor({ timeout: 3000 });
  // A key press first, so the focus counts as keyboard focus (:focus-visible).
  await page.keyboard.press('Shift');
  await page.locator('.zoom-view').focus();
  return m;
}

const near = (a, b, what, tol = 0.5) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} is not ${b}`);

export const tests = [
  {
    name: 'posts ready when loaded',
    async run({ open, posted }) {
      await open();
      assert.deepEqual((await posted())[0], { type: 'ready' });
    },
  },
  {
    name: 'answers a model with its serial, and says when it arrived only while the host measures',
    async run({ open, post, posted, fixture }) {
      await open();
      const m = fixture('diagram.json');
      await post({ ...m, serial: 7 });
      await post({ type: 'measure', on: true });
      await post({ ...m, serial: 8 });
      await post({ type: 'measure', on: false });
      await post({ ...m, serial: 9 });
      const got = (await posted()).filter((x) => x.type === 'rendered' || x.type === 'arrived');
      assert.deepEqual(got.map((x) => `${x.type} ${x.serial}`), ['rendered 7', 'arrived 8', 'rendered 8', 'rendered 9']);
      for (const x of got) if (x.type === 'rendered') assert.deepEqual(Object.keys(x).sort(), ['index', 'ms', 'serial', 'type'], 'no clock in a drawing\'s answer');
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
          const view = { x: 0, y: 0, width: Number(svg.dataset.width), height: Number(svg.dataset.height) };
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
    name: "state diagram: at the panel's default sizes every label and state name reads at 11px or more, the endpoints' states in view",
    async run({ page, open, post, fixture }) {
      const m = fixture('diagram.json');
      // Beside the editor in a 1440 px window (the panel's default), half of a 1920 px one, and a wide panel.
      for (const size of [{ width: 520, height: 860 }, { width: 960, height: 1000 }, { width: 1400, height: 900 }]) {
        await page.setViewportSize(size);
        await open();
        await post(m);
        await page.locator('.zoom-view svg.state-diagram').waitFor({ timeout: 3000 });
        await page.waitForTimeout(100);
        const found = await page.evaluate((min) => {
          const svg = document.querySelector('.zoom-view svg.state-diagram');
          const port = document.querySelector('.zoom-view').getBoundingClientRect();
          const inPort = (b) => b.right > port.left && b.left < port.right && b.bottom > port.top && b.top < port.bottom;
          const whole = (b) => b.left >= port.left - 1 && b.right <= port.right + 1 && b.top >= port.top - 1 && b.bottom <= port.bottom + 1;
          const scale = svg.getScreenCTM().a;
          const small = [];
          let shown = 0;
          for (const t of svg.querySelectorAll('.edge-label, :is(.node, .node-alias) > text')) {
            if (!inPort(t.getBoundingClientRect())) continue;
            shown++;
            const px = parseFloat(getComputedStyle(t).fontSize) * scale;
            if (px < min) small.push(`"${t.textContent}" at ${px.toFixed(1)}px`);
          }
          const marked = [...svg.querySelectorAll('.at-client rect, .at-server rect')].map((r) => whole(r.getBoundingClientRect()));
          const current = [...svg.querySelectorAll('.edge-label.current')].map((t) => whole(t.getBoundingClientRect()));
          return { shown, small, marked, current };
        }, MIN_LABEL_PX);
        const what = `${size.width}x${size.height}`;
        assert.ok(found.shown >= 8, `${what}: ${found.shown} labels in view`);
        assert.deepEqual(found.small, [], `${what}: labels smaller than ${MIN_LABEL_PX}px`);
        assert.ok(found.marked.length >= 1 && found.marked.every(Boolean), `${what}: the endpoints' states are wholly in view (${found.marked})`);
        assert.ok(found.current.length >= 1 && found.current.every(Boolean), `${what}: the current transition's label is in view (${found.current})`);
      }
    },
  },
  {
    name: 'state diagram: + and - zoom about the centre, 0 fits the whole drawing, arrow keys pan',
    async run(api) {
      const { page } = api;
      await focusedDiagram(api, { width: 520, height: 860 });
      const a = await diagramView(page);
      await page.keyboard.press('+');
      const b = await diagramView(page);
      near(b.scale / a.scale, 1.25, '+ zooms in by a step', 0.01);
      near(b.x + b.w / 2, a.x + a.w / 2, 'the centre stays (x)');
      near(b.y + b.h / 2, a.y + a.h / 2, 'the centre stays (y)');
      assert.equal(b.percent, `${Math.round(b.scale * 100)}%`, 'the zoom is shown');
      await page.keyboard.press('-');
      near((await diagramView(page)).scale, a.scale, '- zooms back out', 0.001);

      await page.keyboard.press('0');
      const fit = await diagramView(page);
      assert.ok(fit.x <= 0.01 && fit.y <= 0.01 && fit.x + fit.w >= fit.width - 0.01 && fit.y + fit.h >= fit.height - 0.01, `0 shows the whole drawing: ${JSON.stringify(fit)}`);
      assert.ok(Math.abs(fit.w - fit.width) < 0.5 || Math.abs(fit.h - fit.height) < 0.5, 'and fills the view in one direction');
      // Fitted, the view cannot zoom out further.
      await page.keyboard.press('-');
      near((await diagramView(page)).scale, fit.scale, 'no zooming out past the whole drawing', 0.001);

      for (let i = 0; i < 3; i++) await page.keyboard.press('+');
      const z = await diagramView(page);
      await page.keyboard.press('ArrowRight');
      const right = await diagramView(page);
      assert.ok(right.x > z.x + 5 && Math.abs(right.y - z.y) < 0.01, `ArrowRight shows more to the right: ${z.x} -> ${right.x}`);
      await page.keyboard.press('ArrowDown');
      const down = await diagramView(page);
      assert.ok(down.y > right.y + 5, `ArrowDown shows more below: ${right.y} -> ${down.y}`);
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowUp');
      const back = await diagramView(page);
      near(back.x, z.x, 'ArrowLeft undoes ArrowRight');
      near(back.y, z.y, 'ArrowUp undoes ArrowDown');
      // Panning stops at the drawing's edge.
      for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowLeft');
      near((await diagramView(page)).x, 0, 'the left edge stops the pan');
      const scrolled = await page.evaluate(() => window.scrollY);
      assert.equal(scrolled, 0, 'the arrow keys did not scroll the panel');
    },
  },
  {
    name: 'state diagram: the wheel zooms about the pointer, a drag pans, at the zoom limit the wheel scrolls the panel',
    async run(api) {
      const { page } = api;
      await focusedDiagram(api, { width: 520, height: 700 });
      const a = await diagramView(page);
      // A point of the view off its centre, and the drawing point under it.
      const px = a.port.left + a.port.width * 0.3;
      const py = a.port.top + a.port.height * 0.4;
      const under = (v) => ({ x: v.x + (px - v.port.left) / v.scale, y: v.y + (py - v.port.top) / v.scale });
      await page.mouse.move(px, py);
      await page.mouse.wheel(0, -200);
      await page.waitForTimeout(100);
      const b = await diagramView(page);
      assert.ok(b.scale > a.scale * 1.2, `the wheel zooms in: ${a.scale} -> ${b.scale}`);
      near(under(b).x, under(a).x, 'the point under the pointer stays (x)');
      near(under(b).y, under(a).y, 'the point under the pointer stays (y)');
      assert.equal(await page.evaluate(() => window.scrollY), 0, 'zooming did not scroll the panel');

      await page.mouse.down();
      await page.mouse.move(px - 60, py - 40, { steps: 4 });
      await page.mouse.up();
      const c = await diagramView(page);
      near(c.x - b.x, 60 / b.scale, 'a drag pans with the pointer (x)');
      near(c.y - b.y, 40 / b.scale, 'a drag pans with the pointer (y)');

      // Fitted, zooming out is at its limit: the wheel scrolls the panel instead.
      await page.keyboard.press('0');
      const fit = await diagramView(page);
      await page.mouse.move(px, py);
      await page.mouse.wheel(0, 200);
      await page.waitForTimeout(200);
      near((await diagramView(page)).scale, fit.scale, 'no zooming out past the whole drawing', 0.001);
      assert.ok(await page.evaluate(() => window.scrollY) > 0, 'the panel scrolled');
    },
  },
  {
    name: 'state diagram: zoom buttons and Fit have names in the panel\'s words, the view a label and a visible focus ring',
    async run(api) {
      const { page } = api;
      const m = await focusedDiagram(api, { width: 700, height: 860 });
      const view = page.locator('.zoom-view');
      assert.equal(await view.getAttribute('tabindex'), '0');
      assert.equal(await view.getAttribute('aria-label'), `${m.strings.diagramLabel}. ${m.strings.diagramHelp}`);
      const ring = await view.evaluate((e) => ({ style: getComputedStyle(e).outlineStyle, width: parseFloat(getComputedStyle(e).outlineWidth), visible: e.matches(':focus-visible') }));
      assert.ok(ring.visible && ring.style !== 'none' && ring.width >= 1, `a focus ring: ${JSON.stringify(ring)}`);
      for (const [cls, name] of [['zoom-in', m.strings.zoomIn], ['zoom-out', m.strings.zoomOut], ['zoom-fit', m.strings.fitHelp]]) {
        const b = page.locator(`.zoom-controls .${cls}`);
        assert.ok(name, `a word for ${cls}`);
        assert.equal(await b.getAttribute('aria-label'), name);
        assert.equal(await b.getAttribute('title'), name);
      }
      assert.equal((await page.locator('.zoom-controls .zoom-fit').textContent()).trim(), m.strings.fit);

      const a = await diagramView(page);
      await page.locator('.zoom-controls .zoom-in').click();
      near((await diagramView(page)).scale / a.scale, 1.25, 'the + button zooms in', 0.01);
      await page.locator('.zoom-controls .zoom-out').click();
      near((await diagramView(page)).scale, a.scale, 'the - button zooms out', 0.001);
      await page.locator('.zoom-controls .zoom-fit').click();
      const fit = await diagramView(page);
      assert.ok(fit.x <= 0.01 && fit.y <= 0.01 && fit.x + fit.w >= fit.width - 0.01 && fit.y + fit.h >= fit.height - 0.01, 'Fit shows the whole drawing');
      // A packet of another connection keeps the fitted view.
      await api.post({ ...m, connection: { ...m.connection, id: 9 }, ladder: { ...m.ladder, key: '9:0' }, diagram: { ...m.diagram, clientState: 'SYN_SENT', serverState: 'SYN_RECEIVED', current: { client: [], server: [] } } });
      const after = await diagramView(page);
      near(after.scale, fit.scale, 'still fitted after the next packet', 0.001);
    },
  },
  {
    name: "state diagram: zoomed in and panned away, the next packet pans back to the endpoints' states",
    async run(api) {
      const { page, post } = api;
      const m = await focusedDiagram(api, { width: 520, height: 860 });
      for (let i = 0; i < 3; i++) await page.keyboard.press('+');
      for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowUp');
      for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowLeft');
      const zoomed = await diagramView(page);
      const inView = (sel) => page.evaluate((s) => {
        const port = document.querySelector('.zoom-view').getBoundingClientRect();
        const b = document.querySelector(s).getBoundingClientRect();
        return b.left >= port.left - 1 && b.right <= port.right + 1 && b.top >= port.top - 1 && b.bottom <= port.bottom + 1;
      }, sel);
      assert.equal(await inView('.state-diagram .at-client rect'), false, 'panned away from the client state');
      await post({ ...m, diagram: { ...m.diagram, clientState: 'CLOSE_WAIT', serverState: 'CLOSE_WAIT', current: { client: [], server: [] } } });
      const now = await diagramView(page);
      near(now.scale, zoomed.scale, 'the zoom the user chose stays', 0.001);
      assert.ok(await inView('.state-diagram .at-client rect'), 'the client state is in view again');
    },
  },
  {
    name: "state diagram: a theme's translucent chart colour (VS Code's charts.orange) still draws an opaque path",
    async run({ page, open, post, fixture }) {
      await open();
      // VS Code's dark themes: charts.orange is the find highlight, #EA5C00 at a third.
      await page.evaluate(() => {
        const root = document.documentElement.style;
        root.setProperty('--vscode-charts-orange', '#EA5C0055');
        root.setProperty('--vscode-charts-blue', '#3794FF');
        root.setProperty('--vscode-editor-background', '#1F1F1F');
      });
      await post(fixture('diagram.json'));
      const strokes = await page.evaluate(() => ['.path.server', '.path.client', '.legend .key.server'].map((sel) => {
        const el = document.querySelector(sel);
        const cs = getComputedStyle(el, sel.includes('legend') ? '::before' : null);
        return sel.includes('legend') ? cs.borderTopColor : cs.stroke;
      }));
      // [r, g, b, alpha] from rgb(), rgba() or color(srgb ...), as the browser gives it.
      const parse = (css) => {
        const m = /rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)/.exec(css);
        if (m) return [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 1)];
        const c = /color\(srgb ([\d.]+) ([\d.]+) ([\d.]+)(?: \/ ([\d.]+))?\)/.exec(css);
        assert.ok(c, `a colour: ${css}`);
        return [Math.round(c[1] * 255), Math.round(c[2] * 255), Math.round(c[3] * 255), Number(c[4] ?? 1)];
      };
      assert.deepEqual(strokes.map(parse), [[234, 92, 0, 1], [55, 148, 255, 1], [234, 92, 0, 1]], strokes.join('; '));
    },
  },
  {
    name: 'state diagram: a two-finger pinch and a touchpad pinch (ctrl+wheel) zoom about the fingers',
    async run(api) {
      const { page } = api;
      await focusedDiagram(api, { width: 520, height: 860 });
      const a = await diagramView(page);
      const cx = a.port.left + a.port.width / 2;
      const cy = a.port.top + a.port.height / 2;
      // Real touch input through the browser (Chromium's DevTools protocol): two fingers 80 px
      // apart move to 160 px apart.
      const cdp = await page.context().newCDPSession(page);
      const touch = (type, d) => cdp.send('Input.dispatchTouchEvent', {
        type,
        touchPoints: type === 'touchEnd' ? [] : [{ x: cx - d / 2, y: cy, id: 1 }, { x: cx + d / 2, y: cy, id: 2 }],
      });
      await touch('touchStart', 80);
      for (const d of [100, 120, 140, 160]) await touch('touchMove', d);
      await touch('touchEnd', 160);
      await page.waitForTimeout(100);
      const b = await diagramView(page);
      near(b.scale / a.scale, 2, 'the fingers twice as far apart zoom in twice', 0.1);
      near(b.x + b.w / 2, a.x + a.w / 2, 'the point between the fingers stays (x)', 1);

      await page.keyboard.press('0');
      const fit = await diagramView(page);
      await page.mouse.move(cx, cy);
      await page.keyboard.down('Control');
      await page.mouse.wheel(0, -50);
      await page.keyboard.up('Control');
      await page.waitForTimeout(100);
      const c = await diagramView(page);
      assert.ok(c.scale > fit.scale * 1.3, `ctrl+wheel zooms in: ${fit.scale} -> ${c.scale}`);
      assert.equal(await page.evaluate(() => window.visualViewport.scale), 1, 'the page itself is not zoomed');
    },
  },
  {
    name: 'state diagram: the zoom chosen stays through a visit to the Handshake tab',
    async run(api) {
      const { page, post } = api;
      const m = await focusedDiagram(api, { width: 700, height: 860 });
      for (let i = 0; i < 2; i++) await page.keyboard.press('+');
      await page.keyboard.press('ArrowRight');
      const before = await diagramView(page);
      await post({ ...m, mode: 'handshake' });
      await page.waitForTimeout(200);
      await post({ ...m, mode: 'diagram' });
      await page.waitForTimeout(200);
      const after = await diagramView(page);
      near(after.scale, before.scale, 'the same zoom', 0.001);
      near(after.x, before.x, 'the same place (x)');
      near(after.y, before.y, 'the same place (y)');
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

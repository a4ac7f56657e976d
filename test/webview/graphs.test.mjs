// The Graphs tab, run by scripts/webview-tests.mjs in Chromium. The fixture (graphs.json) is a real
// capture's connection (nDPI's whatsappfiles.pcap, test/fixtures/realworld) through the host's own
// code (src/editor/graphData.ts), recorded by test/webview/record-fixtures.mjs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const HOSTILE = '<img src=x onerror=window.__pwned=1>';

/** src/protocol/decimate.ts, bundled for Node: the decimation checked on its own against a plain reading of every point. */
async function loadDecimate() {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({ entryPoints: [join(root, 'src', 'protocol', 'decimate.ts')], bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'error' });
  const mod = { exports: {} };
  new Function('module', 'exports', r.outputFiles[0].text)(mod, mod.exports);
  return mod.exports;
}

/** Posts the fixture's series with its arrays made typed again, then its view model. */
async function showGraphs({ page, open, fixture }, edit = (f) => f) {
  const f = edit(fixture('graphs.json'));
  await page.setViewportSize({ width: 1000, height: 1100 });
  await open();
  await page.evaluate((g) => {
    const m = {};
    for (const [k, v] of Object.entries(g)) m[k] = v && v.array ? new globalThis[v.array](v.values.map((x) => (x === null ? NaN : x))) : v;
    window.postMessage(m, '*');
  }, f.graphs);
  await page.evaluate((m) => window.postMessage(m, '*'), f.model);
  await page.locator('.graphs-view svg.graphs-svg').waitFor({ timeout: 5000 });
  await page.waitForTimeout(150);
  return f;
}

const svgData = (page) => page.evaluate(() => ({ ...document.querySelector('.graphs-view svg.graphs-svg').dataset }));

/** A GraphsMessage of n packets in the page, a bulk transfer from the server with every 1000th segment retransmitted. */
function bigConnection(page, n) {
  return page.evaluate((n) => {
    const m = {
      type: 'graphs', key: 'big', connection: 7, start: 0, total: n, unknown: [], sack: new Float64Array(0), thinned: null, bytes: new Float64Array(n),
      index: new Int32Array(n), dir: new Uint8Array(n), time: new Float64Array(n), seq: new Float64Array(n), len: new Int32Array(n),
      ack: new Float64Array(n), win: new Float32Array(n), rtt: new Float32Array(n), inFlight: new Float32Array(n), marks: new Uint8Array(n),
    };
    let sent = 0;
    for (let i = 0; i < n; i++) {
      m.index[i] = i;
      m.time[i] = i * 0.0001;
      const data = i % 3 !== 2;
      m.dir[i] = data ? 1 : 0;
      m.len[i] = data ? 1448 : 0;
      m.bytes[i] = m.len[i];
      m.seq[i] = data ? sent : 1;
      if (data) sent += 1448;
      m.ack[i] = data ? 1 : Math.max(0, sent - 4 * 1448);
      m.win[i] = data ? 65535 : 3e6;
      m.rtt[i] = data ? NaN : 0.2 + (i % 97) / 100;
      m.inFlight[i] = data ? 4 * 1448 : NaN;
      m.marks[i] = data && i % 1000 === 0 ? 1 : 0;
    }
    window.postMessage(m, '*');
  }, n);
}

export const tests = [
  {
    name: 'graphs: decimation keeps each pixel column\'s lowest and highest value and where they came from, and nothing else',
    async run() {
      const { decimate, bucketSums, ticks } = await loadDecimate();
      let seed = 7;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      for (const [n, cols] of [[1, 10], [50, 7], [5000, 300], [20000, 1]]) {
        const x = Float64Array.from({ length: n }, () => rnd() * 10 - 1);
        const lo = Float64Array.from({ length: n }, () => (rnd() < 0.05 ? NaN : rnd() * 1000));
        const hi = lo.map((v) => v + rnd() * 50);
        if (n > 1) x[3] = NaN;
        const pick = Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 5 !== 4);
        const [x0, x1] = [0, 8];
        const got = decimate(pick, x, lo, hi, x0, x1, cols);
        // A plain reading: every picked point in range, its column, that column's extremes.
        const want = new Map();
        for (const i of pick) {
          if (!(x[i] >= x0 && x[i] <= x1) || Number.isNaN(lo[i])) continue;
          const c = Math.min(cols - 1, Math.floor(((x[i] - x0) / (x1 - x0)) * cols));
          const w = want.get(c) ?? { min: Infinity, max: -Infinity };
          w.min = Math.min(w.min, lo[i]);
          w.max = Math.max(w.max, hi[i]);
          want.set(c, w);
        }
        assert.equal(got.count, want.size, `${n} points in ${cols} columns: columns with points`);
        assert.ok(got.count <= cols);
        for (let j = 0; j < got.count; j++) {
          const w = want.get(got.col[j]);
          assert.equal(got.min[j], w.min);
          assert.equal(got.max[j], w.max);
          assert.equal(lo[got.minAt[j]], w.min);
          assert.equal(hi[got.maxAt[j]], w.max);
        }
      }
      const sums = bucketSums(Int32Array.from([0, 1, 2, 3]), [0, 0.5, 0.99, 2], [10, 20, 30, 40], 0, 1, 2);
      assert.deepEqual([...sums], [10, 50]);
      const t = ticks(0, 1, 5);
      assert.equal(t.length, 6);
      t.forEach((v, i) => assert.ok(Math.abs(v - i * 0.2) < 1e-9, `tick ${i}: ${v}`));
      assert.deepEqual(ticks(0.013, 0.047, 4).map((v) => Number(v.toFixed(9))), [0.02, 0.03, 0.04]);
    },
  },
  {
    name: 'graphs: SACK blocks are decimated to the union of each pixel column\'s blocks, a few ranges at most, none lost',
    async run() {
      const { decimateBlocks } = await loadDecimate();
      let seed = 11;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      for (const [points, cols] of [[1, 5], [40, 3], [3000, 200], [3000, 1]]) {
        const x = Float64Array.from({ length: points }, () => rnd() * 12 - 1);
        const blocks = [];
        for (let i = 0; i < points; i++) {
          for (let k = Math.floor(rnd() * 4); k > 0; k--) {
            const l = Math.floor(rnd() * 1e6);
            blocks.push(i, l, l + 1 + Math.floor(rnd() * 5000));
          }
        }
        const [x0, x1] = [0, 10];
        const got = decimateBlocks(new Float64Array(blocks), x, x0, x1, cols, 4);
        const byCol = new Map();
        for (let j = 0; j < got.count; j++) {
          const list = byCol.get(got.col[j]) ?? [];
          list.push([got.lo[j], got.hi[j]]);
          byCol.set(got.col[j], list);
        }
        for (const [c, list] of byCol) {
          assert.ok(list.length <= 4, `column ${c}: ${list.length} ranges`);
          for (let k = 1; k < list.length; k++) assert.ok(list[k][0] > list[k - 1][1], `column ${c}: ranges apart and in order`);
        }
        // Every block in view lies inside a range of its column; none out of view is drawn.
        let inView = 0;
        for (let k = 0; k < blocks.length; k += 3) {
          const xi = x[blocks[k]];
          if (!(xi >= x0 && xi <= x1)) continue;
          inView++;
          const c = Math.min(cols - 1, Math.floor(((xi - x0) / (x1 - x0)) * cols));
          assert.ok((byCol.get(c) ?? []).some(([l, r]) => l <= blocks[k + 1] && blocks[k + 2] <= r), `block ${k / 3} in column ${c}`);
        }
        assert.equal(got.count > 0, inView > 0);
        for (let j = 0; j < got.count; j++) assert.ok(x[got.at[j]] >= x0 && x[got.at[j]] <= x1);
      }
      // Two blocks with a hole between them stay two ranges.
      const two = decimateBlocks(new Float64Array([0, 100, 200, 0, 300, 400, 1, 150, 180]), [0.5, 0.5], 0, 1, 1);
      assert.deepEqual([...two.lo], [100, 300]);
      assert.deepEqual([...two.hi], [200, 400]);
    },
  },
  {
    name: 'graphs: the receiver\'s SACK blocks are drawn in both views, in the legend, and in the exported SVG',
    async run(api) {
      const f = await showGraphs(api);
      const { page } = api;
      const g = f.graphs;
      const sack = g.sack.values;
      assert.ok(sack.length >= 30, 'the fixture\'s connection has SACK blocks');
      const read = () => page.evaluate(() => {
        const svg = document.querySelector('.graphs-svg');
        const path = svg.querySelector('path.g-sack:not(.g-key)');
        return {
          dir: Number(svg.dataset.dir),
          legend: [...svg.querySelectorAll('.g-legend')].map((t) => t.textContent),
          key: svg.querySelectorAll('path.g-key.g-sack').length,
          bars: path ? (path.getAttribute('d').match(/M/g) ?? []).length : 0,
          stroke: path ? getComputedStyle(path).stroke : '',
          seg: getComputedStyle(svg.querySelector('path:is(.g-seg, .g-dot):not(.g-key)')).stroke,
        };
      });
      const blocksFrom = (dir) => {
        let n = 0;
        for (let k = 0; k < sack.length; k += 3) if (g.dir.values[sack[k]] === dir) n++;
        return n;
      };
      const tcptrace = await read();
      // The blocks drawn are those the other side's ACKs carry about the data drawn.
      assert.ok(blocksFrom(1 - tcptrace.dir) > 0, 'the data drawn was SACKed');
      assert.ok(tcptrace.bars >= 1 && tcptrace.bars <= blocksFrom(1 - tcptrace.dir), `${tcptrace.bars} SACK bars`);
      assert.ok(tcptrace.legend.includes('SACK blocks'), tcptrace.legend.join(' | '));
      assert.equal(tcptrace.key, 1);
      assert.notEqual(tcptrace.stroke, tcptrace.seg, 'in a colour of its own');
      await page.locator('.graph-mode').click();
      const stevens = await read();
      assert.equal(stevens.bars, tcptrace.bars, 'the Stevens view draws them too');
      assert.ok(stevens.legend.includes('SACK blocks'));
      await page.locator('.graph-export').click();
      const saved = await api.expectPosted((m) => m.type === 'saveSvg', 'a saveSvg message');
      assert.ok(saved.svg.includes(`stroke="${stevens.stroke}"`), 'the SACK bars keep their colour in the export');
    },
  },
  {
    name: 'graphs: points the host thinned are drawn, and zooming past their columns asks the host for the view\'s',
    async run(api) {
      const f = await showGraphs(api, (fx) => {
        const t = fx.graphs.time.values.filter((v) => v !== null);
        fx.graphs.thinned = { x0: Math.min(...t), x1: Math.max(...t), columns: 4000, packets: 500000 };
        fx.graphs.key = fx.model.ladder.key;
        return fx;
      });
      const { page, posted, clearPosted } = api;
      await clearPosted();
      const drawn = await svgData(page);
      assert.ok(Number(drawn.points) > 0);
      // The points serve the first zooms (two of their columns a pixel or more); then the host is asked.
      let m;
      let clicks = 0;
      while (!m && clicks < 10) {
        await page.locator('.graph-zoom-in').click();
        clicks++;
        await page.waitForTimeout(100);
        m = (await posted()).find((x) => x.type === 'graphsRange');
      }
      assert.ok(m, 'a graphsRange message');
      assert.ok(clicks > 1, `asked after ${clicks} zooms`);
      const view = (await svgData(page)).view.split(' ').map(Number);
      const th = f.graphs.thinned;
      assert.equal(m.key, f.graphs.key);
      // The view and as much again either side, within the connection, at two columns a pixel or more.
      assert.ok(m.x0 <= view[0] && m.x1 >= view[1] && m.x0 >= th.x0 && m.x1 <= th.x1, JSON.stringify([m, view]));
      const plot = await page.evaluate(() => document.querySelector('.graphs-svg .g-frame').getBBox().width);
      assert.ok(m.columns >= 2 * plot * ((m.x1 - m.x0) / (view[1] - view[0])) - 1, `${m.columns} columns`);
      assert.equal(m.current, f.model.currentIndex);
    },
  },
  {
    name: 'graphs: a real connection draws four bands on one time axis, its retransmissions and the cursor\'s packet marked',
    async run(api) {
      const f = await showGraphs(api);
      const { page } = api;
      const g = f.graphs;
      const n = g.index.values.length;
      const retrans = g.marks.values.filter((m) => m & 1).length;
      const found = await page.evaluate(() => {
        const svg = document.querySelector('.graphs-svg');
        const segs = (cls) => [...svg.querySelectorAll(`path.${cls}:not(.g-key)`)].map((p) => (p.getAttribute('d').match(/M/g) ?? []).length).reduce((a, b) => a + b, 0);
        return {
          titles: [...svg.querySelectorAll('.g-title')].map((t) => t.textContent),
          retrans: segs('g-retrans'),
          segments: segs('g-seg'),
          cursor: svg.querySelectorAll('.g-cursor path').length,
          cursorX: svg.querySelector('.g-cursor path')?.getAttribute('d'),
          notes: [...svg.querySelectorAll('.g-note')].map((t) => t.textContent),
          rtt: segs('g-rtt'),
          flight: segs('g-flight'),
          window: segs('g-window'),
          tab: document.querySelector('vscode-tabs').selectedIndex,
        };
      });
      assert.equal(found.tab, 2, 'the Graphs tab is selected');
      assert.equal(found.titles.length, 4, found.titles.join(' | '));
      assert.match(found.titles[0], /^Time-sequence \(tcptrace\)/);
      assert.ok(found.segments > 10 && found.segments <= n, `${found.segments} segment bars`);
      // Retransmissions that fall in one pixel column share a bar: some, at most one each.
      assert.ok(found.retrans >= 1 && found.retrans <= retrans, `${found.retrans} retransmission marks for ${retrans}`);
      assert.equal(found.cursor, 1, "the cursor's packet is marked");
      // The cursor's line sits at its packet's time on the shared axis.
      const ci = g.index.values.indexOf(f.model.currentIndex);
      const t = g.time.values[ci];
      const view = (await svgData(page)).view.split(' ').map(Number);
      const plot = await page.evaluate(() => { const b = document.querySelector('.graphs-svg .g-frame').getBBox(); return { x: b.x, width: b.width }; });
      const x = Number(/^M([\d.]+)/.exec(found.cursorX)[1]);
      assert.ok(Math.abs(x - (plot.x + ((t - view[0]) / (view[1] - view[0])) * plot.width)) < 1.5, `cursor at ${x}`);
      // This capture's connection has its SYNs, so the RTT and window bands have samples and no note.
      assert.deepEqual(found.notes, []);
      assert.ok(found.rtt > 0 && found.flight > 0 && found.window > 0, JSON.stringify(found));
    },
  },
  {
    name: 'graphs: where the window scale is unknown the window band says so, and bytes in flight are still drawn',
    async run(api) {
      await showGraphs(api, (f) => {
        f.graphs.unknown = ['window_scale', 'handshake'];
        f.graphs.win.values = f.graphs.win.values.map(() => null);
        return f;
      });
      const found = await api.page.evaluate(() => ({
        notes: [...document.querySelectorAll('.graphs-svg .g-note')].map((t) => t.textContent),
        flight: document.querySelectorAll('.graphs-svg path.g-flight:not(.g-key)').length,
        window: document.querySelectorAll('.graphs-svg path.g-window:not(.g-key)').length,
      }));
      assert.deepEqual(found.notes, ['The window scale is unknown (no SYN seen), so the advertised window cannot be drawn.']);
      assert.equal(found.flight, 1);
      assert.equal(found.window, 0, 'no window line or edge drawn from unknown windows');
    },
  },
  {
    name: 'graphs: a connection sent in slices says how far it has come, and draws as it would whole',
    async run(api) {
      await showGraphs(api);
      const { page } = api;
      const whole = await svgData(page);
      const f = api.fixture('graphs.json');
      const n = f.graphs.index.values.length;
      const cuts = [0, 100, 200, n];
      const statuses = [];
      for (let k = 0; k < 3; k++) {
        await page.evaluate(([g, a, b]) => {
          const m = { ...g, key: 'sliced', start: a };
          for (const [key, v] of Object.entries(g)) if (v && v.array) m[key] = new globalThis[v.array](v.values.slice(a, b).map((x) => (x === null ? NaN : x)));
          // SACK blocks are not per packet: a slice carries those of its own packets.
          const blocks = [];
          for (let k = 0; k < g.sack.values.length; k += 3) if (g.sack.values[k] >= a && g.sack.values[k] < b) blocks.push(...g.sack.values.slice(k, k + 3));
          m.sack = new Float64Array(blocks);
          window.postMessage(m, '*');
        }, [f.graphs, cuts[k], cuts[k + 1]]);
        await page.waitForTimeout(50);
        statuses.push(await page.locator('.graphs-status').textContent());
      }
      assert.match(statuses[0], /^Loading the packets… 32%$/);
      assert.match(statuses[1], /^Loading the packets… 64%$/);
      const sliced = await svgData(page);
      assert.equal(sliced.points, whole.points);
      assert.equal(sliced.view, whole.view);
    },
  },
  {
    name: 'graphs: a click on a retransmission selects its packet',
    async run(api) {
      const f = await showGraphs(api);
      const { page, expectPosted, clearPosted } = api;
      const g = f.graphs;
      const bar = await page.evaluate(() => {
        const svg = document.querySelector('.graphs-svg');
        const d = svg.querySelector('path.g-retrans').getAttribute('d');
        const [, x, , y] = /^M([\d.]+) ([\d.]+)V([\d.]+)/.exec(d).map(Number);
        const r = svg.getBoundingClientRect();
        return { x: r.left + x, y: r.top + y };
      });
      await clearPosted();
      await page.mouse.click(bar.x, bar.y);
      const m = await expectPosted((x) => x.type === 'select', 'a select message');
      const i = g.index.values.indexOf(m.index);
      assert.ok(i >= 0, `packet ${m.index} is in the connection`);
      assert.ok(g.marks.values[i] & 1, `packet ${m.index} is a retransmission`);
    },
  },
  {
    name: 'graphs: the wheel, + and -, arrows, a drag and Home zoom and pan the time axis; the view is focusable with a visible focus',
    async run(api) {
      await showGraphs(api);
      const { page } = api;
      const view = async () => (await svgData(page)).view.split(' ').map(Number);
      const full = await view();
      await page.keyboard.press('Shift');
      await page.locator('.graphs-view').focus();
      const outline = await page.evaluate(() => getComputedStyle(document.querySelector('.graphs-view')).outlineStyle);
      assert.notEqual(outline, 'none', 'a visible focus');
      await page.keyboard.press('+');
      await page.keyboard.press('+');
      await page.waitForTimeout(100);
      const zoomed = await view();
      assert.ok(zoomed[1] - zoomed[0] < (full[1] - full[0]) * 0.7, `zoomed in: ${zoomed} of ${full}`);
      await page.keyboard.press('ArrowRight');
      await page.waitForTimeout(100);
      const panned = await view();
      assert.ok(panned[0] > zoomed[0], `panned right: ${panned} from ${zoomed}`);
      const box = await page.locator('.graphs-view').boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + 100);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2 + 200, box.y + 100, { steps: 5 });
      await page.mouse.up();
      await page.waitForTimeout(100);
      const dragged = await view();
      assert.ok(dragged[0] < panned[0], `a drag to the right shows earlier times: ${dragged} from ${panned}`);
      await page.mouse.move(box.x + box.width / 2, box.y + 100);
      await page.mouse.wheel(0, -400);
      await page.waitForTimeout(150);
      const wheeled = await view();
      assert.ok(wheeled[1] - wheeled[0] < dragged[1] - dragged[0], `the wheel zooms in: ${wheeled}`);
      await page.locator('.graphs-view').focus();
      await page.keyboard.press('Home');
      await page.waitForTimeout(100);
      assert.deepEqual(await view(), full, 'Home shows it all');
      await page.keyboard.press('-');
      await page.waitForTimeout(100);
      assert.deepEqual(await view(), full, 'no further out than all of it');
    },
  },
  {
    name: 'graphs: 500,000 packets draw no more points than pixel columns, quickly, and zoom stays quick',
    async run(api) {
      const f = await showGraphs(api);
      const { page } = api;
      await bigConnection(page, 500_000);
      // The model names connection 7's packet 300,000 (a data segment).
      const model = structuredClone(f.model);
      model.connection.id = 7;
      model.currentIndex = 300_000;
      model.ladder = { total: 500_000, start: 0, rows: [], key: 'big' };
      await api.post(model);
      await page.waitForFunction(() => document.querySelector('.graphs-svg')?.dataset.dir === '1', null, { timeout: 10_000 });
      const d = await svgData(page);
      const cols = Number(d.columns);
      // Ten series at most two points per column, throughput one per bucket.
      assert.ok(Number(d.points) <= 10 * 2 * cols + cols, `${d.points} points drawn in ${cols} columns`);
      const chars = await page.evaluate(() => [...document.querySelectorAll('.graphs-svg path')].reduce((a, p) => a + (p.getAttribute('d') ?? '').length, 0));
      assert.ok(chars < 600_000, `${chars} characters of path`);
      // Draw times under load on a shared machine: generous bounds, but far from a full drawing's seconds.
      assert.ok(Number(d.ms) < 400, `drawn in ${d.ms} ms`);
      await page.locator('.graphs-view').focus();
      const times = [];
      for (let i = 0; i < 5; i++) {
        await page.keyboard.press('+');
        await page.waitForTimeout(60);
        times.push(Number((await svgData(page)).ms));
      }
      assert.ok(Math.max(...times) < 400, `zoom redraws: ${times.join(', ')} ms`);
      assert.equal(await page.locator('.graphs-svg .g-cursor').count(), 1, "the cursor's packet stays in view as it zooms about the middle");
    },
  },
  {
    name: 'graphs: Export SVG posts a standalone drawing with the theme\'s colours written in',
    async run(api) {
      await showGraphs(api);
      const { page, expectPosted } = api;
      await page.locator('.graph-export').click();
      const m = await expectPosted((x) => x.type === 'saveSvg', 'a saveSvg message');
      assert.match(m.svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.ok(!/class="/.test(m.svg) && !/var\(--/.test(m.svg), 'no classes or CSS variables left');
      assert.match(m.svg, /stroke="rgb\(/);
      assert.match(m.name, /^tcp-\d+-graphs$/);
    },
  },
  {
    name: 'graphs: hostile host names show as text in the drawing and nothing runs',
    async run(api) {
      await showGraphs(api, (f) => {
        f.model.connection.client = HOSTILE;
        f.model.connection.server = HOSTILE;
        return f;
      });
      const { page } = api;
      await page.waitForTimeout(200);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      assert.equal(await page.evaluate(() => document.querySelectorAll('img').length), 0);
      const title = await page.evaluate(() => document.querySelector('.graphs-svg > title').textContent);
      assert.ok(title.includes(HOSTILE), title);
    },
  },
];

// Webview security, in Chromium (run by scripts/webview-tests.mjs): the page has the panel's own
// Content-Security-Policy (src/protocol/webviewHtml.ts), the policy is strict and enforced, and view
// models built by the host's code (src/editor/viewModel.ts) from a trace whose host names are attacks
// (test/unit/hostile-trace.ts, recorded into fixtures/hostile.json) render as text: no element,
// handler, URL or script from the trace ever comes alive.
import assert from 'node:assert/strict';

/** Every text node and every element of the page, shadow roots included. */
function snapshot(page) {
  return page.evaluate(() => {
    const texts = [];
    const elements = [];
    const walk = (n) => {
      if (n.nodeType === 3) texts.push(n.nodeValue);
      if (n.nodeType === 1) {
        elements.push({
          tag: n.tagName.toLowerCase(),
          attrs: [...n.attributes].map((a) => [a.name, a.value]),
        });
      }
      if (n.shadowRoot) walk(n.shadowRoot);
      for (const c of n.childNodes) walk(c);
    };
    walk(document.documentElement);
    return { text: texts.join('\n'), elements };
  });
}

/** Records CSP violations from the start of the page. */
async function watchViolations(page) {
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample }));
  });
}

const violations = (page) => page.evaluate(() => window.__violations ?? []);
const pwned = (page) => page.evaluate(() => ({ pwned: window.__pwned, inline: window.__inline, handler: window.__handler, evaled: window.__eval }));

/** Nothing from the trace became markup: only the panel's own kinds of elements, no handlers, no links. */
function assertInert(elements, where) {
  const allowed = new Set([
    'html', 'head', 'meta', 'link', 'title', 'body', 'script', 'div', 'span', 'p', 'h1', 'h3', 'header', 'section', 'ol', 'ul', 'li',
    'table', 'thead', 'tbody', 'tr', 'th', 'td', 'br', 'button', 'slot', 'style',
    'svg', 'g', 'rect', 'line', 'path', 'text', 'tspan', 'circle', 'defs', 'marker', 'title',
  ]);
  for (const el of elements) {
    const tag = el.tag;
    if (!tag.startsWith('vscode-')) assert.ok(allowed.has(tag), `${where}: unexpected <${tag}> element ${JSON.stringify(el.attrs)}`);
    for (const [name, value] of el.attrs) {
      assert.ok(!name.startsWith('on'), `${where}: <${tag}> has a handler attribute ${name}=${value}`);
      assert.ok(!/^\s*javascript:/i.test(value), `${where}: <${tag} ${name}> holds a javascript: URL`);
      assert.ok(!((name === 'href' || name === 'src') && tag !== 'link' && tag !== 'script'), `${where}: <${tag}> has ${name}=${value}`);
    }
  }
  const scripts = elements.filter((e) => e.tag === 'script');
  assert.equal(scripts.length, 2, `${where}: only the stub and the panel's script`);
  for (const s of scripts) assert.ok(s.attrs.some(([n]) => n === 'src'), `${where}: no inline script`);
}

export const tests = [
  {
    name: "security: the test page has the panel's own CSP, and it is strict",
    async run({ page, open, base, nonce, webviewHtml }) {
      await open();
      const csp = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'));
      assert.equal(csp, webviewHtml.panelCsp(base, nonce), 'the same policy src/editor/panel.ts sets');
      const d = Object.fromEntries(csp.split(';').map((x) => x.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
      assert.deepEqual(d['default-src'], ["'none'"]);
      assert.deepEqual(d['script-src'], [`'nonce-${nonce}'`], 'scripts only with the nonce');
      assert.deepEqual(d['base-uri'], ["'none'"]);
      assert.deepEqual(d['form-action'], ["'none'"]);
      for (const [k, v] of Object.entries(d)) {
        for (const src of v) {
          assert.ok(!/unsafe-|strict-dynamic|^\*$|^(data|blob|https?):$/.test(src), `${k} allows ${src}`);
          if (!src.startsWith("'")) assert.equal(src, base, `${k}: only the webview's own resource origin`);
        }
      }
    },
  },
  {
    name: 'security: the CSP is enforced (inline script, inline handler, eval and remote loads are refused)',
    async run({ page, open }) {
      await watchViolations(page);
      await open();
      const outcome = await page.evaluate(async () => {
        const s = document.createElement('script');
        s.textContent = 'window.__inline = 1';
        document.body.append(s);
        const div = document.createElement('div');
        div.innerHTML = '<img src="/no-such-image.png" onerror="window.__handler = 1">';
        document.body.append(div);
        // Code from strings, run from a timer (the test driver's own evaluation is exempt).
        const evalBlocked = await new Promise((resolve) => setTimeout(() => {
          try {
            (0, eval)('window.__eval = 1');
            resolve(false);
          } catch {
            resolve(true);
          }
        }, 0));
        setTimeout('window.__eval = 2', 0);
        let fetchBlocked = false;
        try {
          await fetch('https://example.invalid/x');
        } catch {
          fetchBlocked = true;
        }
        const img = new Image();
        img.src = 'https://example.invalid/x.png';
        await new Promise((r) => setTimeout(r, 500));
        return { evalBlocked, fetchBlocked };
      });
      assert.ok(outcome.evalBlocked, 'eval is refused');
      assert.ok(outcome.fetchBlocked, 'fetch to another origin is refused');
      assert.deepEqual(await pwned(page), { pwned: undefined, inline: undefined, handler: undefined, evaled: undefined });
      const seen = new Set((await violations(page)).map((v) => v.directive));
      for (const d of ['script-src-elem', 'script-src-attr', 'img-src', 'connect-src']) assert.ok(seen.has(d), `a ${d} violation (saw ${[...seen].join(', ')})`);
    },
  },
  {
    name: "security: hostile host names, through the host's view model, show as text and nothing runs",
    async run({ page, open, post, fixture, base }) {
      const { names, models } = fixture('hostile.json');
      const requests = [];
      page.on('request', (r) => requests.push(r.url()));
      const consoleErrors = [];
      page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
      await watchViolations(page);
      await open();
      for (const m of models) {
        await post(m);
        const { text, elements } = await snapshot(page);
        const where = `connection ${m.connection.id} (${m.mode})`;
        assertInert(elements, where);
        assert.ok(text.includes(m.connection.client), `${where}: the client's name shows literally`);
        assert.ok(text.includes(m.connection.server), `${where}: the server's name shows literally`);
        if (m.mode === 'diagram') {
          const label = m.ladder.rows.find((r) => r.label.includes('length 10') || r.label.includes('len 10'));
          if (label) assert.ok(text.includes(label.label), `${where}: ladder label as text`);
        }
      }
      // Ladder rows sent on their own, with a name in the label.
      const last = models.find((m) => m.mode === 'diagram');
      await post(last);
      await post({ type: 'rows', connection: last.connection.id, start: 0, rows: last.ladder.rows.map((r) => ({ ...r, label: `${names[0]} ${names[1]}` })) });
      await page.waitForTimeout(300);
      assertInert((await snapshot(page)).elements, 'rows');
      assert.deepEqual(await pwned(page), { pwned: undefined, inline: undefined, handler: undefined, evaled: undefined }, 'no payload ran');
      assert.deepEqual(await violations(page), [], 'no script or load was even attempted');
      assert.deepEqual(consoleErrors, [], 'no console errors');
      assert.ok(requests.every((u) => u.startsWith(base)), `only local requests: ${requests.filter((u) => !u.startsWith(base)).join(', ')}`);
      // Every name made it into the page as text at some point: spot-check the last model's.
      const { text } = await snapshot(page);
      assert.ok(text.includes(last.connection.client));
    },
  },
  {
    name: 'security: without any CSP, the DOM code alone keeps hostile names inert',
    async run({ page, open, post, fixture }) {
      const { models } = fixture('hostile.json');
      await open({ csp: false });
      for (const m of models) {
        await post(m);
        assertInert((await snapshot(page)).elements, `connection ${m.connection.id} (${m.mode}, no CSP)`);
      }
      await page.waitForTimeout(300);
      assert.deepEqual(await pwned(page), { pwned: undefined, inline: undefined, handler: undefined, evaled: undefined });
    },
  },
  {
    name: 'security: malformed models (wrong types in any field) are dropped, not half drawn',
    async run({ page, open, post, fixture }) {
      const m = fixture('diagram.json');
      await open();
      await post(m);
      const before = (await snapshot(page)).text;
      const broken = [
        { ...m, strings: { ...m.strings, client: { toString: null } } },
        { ...m, connection: { ...m.connection, client: ['<b>x</b>'] } },
        { ...m, diagram: { ...m.diagram, clientPath: 'abc' } },
        { ...m, diagram: { ...m.diagram, current: null } },
        { ...m, handshake: { complete: true, steps: [{ step: 9 }], options: [], rtt: null, retransmissions: [], notes: [] } },
        { ...m, ladder: { ...m.ladder, rows: [{ ...m.ladder.rows[0], events: [1] }] } },
        { ...m, ladder: { ...m.ladder, start: -5 } },
        { type: 'rows', connection: m.connection.id, start: -1, rows: [] },
      ];
      for (const b of broken) await post(b);
      assert.equal((await snapshot(page)).text, before, 'nothing changed');
    },
  },
];

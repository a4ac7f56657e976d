// Handshake mode: the three packets with x, x+1, y, y+1 checked, each side's options and what
// was negotiated, RTT, SYN/SYN,ACK retransmissions, and notes for the unusual cases.
import type { HandshakeView } from '../src/protocol/protocol';
import { format, h } from './dom';

export function renderHandshake(view: HandshakeView, strings: Record<string, string>, select: (index: number) => void): HTMLElement {
  const steps = h('ol', { class: 'hs-steps' });
  for (const st of view.steps) {
    const arrow = st.from === 'client' ? `${strings.client} → ${strings.server}` : `${strings.server} → ${strings.client}`;
    const li = h('li', { class: `hs-step ${st.from}${st.index === null ? ' missing' : ''}` });
    li.append(h('div', { class: 'hs-name' }, `${st.step}. ${st.name}`), h('div', { class: 'hs-dir' }, arrow));
    li.append(h('div', { class: 'hs-nums' }, `seq ${st.seq}`, h('br'), `ack ${st.ack}`));
    const checks = h('ul', { class: 'hs-checks' });
    for (const c of st.checks) checks.append(h('li', { class: c.ok ? 'ok' : 'bad' }, `${c.ok ? '✓' : '✗'} ${c.text}`));
    li.append(checks);
    if (st.index !== null && st.line !== null) {
      const index = st.index;
      const link = h('button', { class: 'link', type: 'button' }, format(strings.line, st.line));
      link.addEventListener('click', () => select(index));
      li.append(link);
    } else li.append(h('div', { class: 'hs-missing' }, strings.notSeen));
    steps.append(li);
  }

  const table = h('table', { class: 'hs-options' });
  table.append(h('thead', {}, h('tr', {}, h('th', {}, strings.option), h('th', {}, strings.client), h('th', {}, strings.server), h('th', {}, strings.negotiated))));
  const body = h('tbody');
  for (const o of view.options) body.append(h('tr', {}, h('th', { scope: 'row' }, o.name), h('td', {}, o.client), h('td', {}, o.server), h('td', {}, o.negotiated)));
  table.append(body);

  const facts = h('div', { class: 'hs-facts' });
  if (view.rtt) facts.append(h('p', {}, `${strings.rtt}: ${view.rtt}`));
  if (view.retransmissions.length) {
    facts.append(h('h3', {}, strings.retransmissions));
    const ul = h('ul');
    for (const r of view.retransmissions) ul.append(h('li', {}, r));
    facts.append(ul);
  }
  if (view.notes.length) {
    facts.append(h('h3', {}, strings.notes));
    const ul = h('ul', { class: 'hs-notes' });
    for (const n of view.notes) ul.append(h('li', {}, n));
    facts.append(ul);
  }
  return h('section', { class: 'handshake' }, steps, table, facts);
}

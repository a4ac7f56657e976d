// Builds the small serializable view model the panel draws: host computes, webview draws.
import * as vscode from 'vscode';
import { explainPacket, noteText } from '../trace';
import type { ConnectionSummary, Handshake, PacketInfo, SynOptions, Trace } from '../trace/model';
import { STATE_TEXT, type StateName } from '../trace/states';
import { connectionDescription, eventName, formatMs, outcomeLabel, outcomeOf, packetLine } from './describe';
import { LADDER_CONTEXT, type ConnectionView, type HandshakeStep, type HandshakeView, type LadderRow, type PanelMode, type ViewModel } from '../protocol/protocol';
import { language, t, type Lang } from './l10n';
import { transitionLabels } from './transitionLabels';

const stringsByLang = new Map<Lang, Record<string, string>>();

/** The panel's words, looked up once per language (the same object while it lasts, so the webview redraws them only on a change). */
export function panelStrings(): Record<string, string> {
  const lang = language();
  let strings = stringsByLang.get(lang);
  if (!strings) stringsByLang.set(lang, (strings = {
    // The page's lang attribute, which picks the CJK glyphs.
    htmlLang: lang === 'zh' ? 'zh-CN' : 'en',
    client: t('client'),
    server: t('server'),
    stateDiagram: t('State diagram'),
    ladder: t('Ladder'),
    handshake: t('Handshake'),
    previous: t('Previous packet'),
    next: t('Next packet'),
    exportSvg: t('Export SVG'),
    exportMermaid: t('Export Mermaid'),
    copySummary: t('Copy summary'),
    packetOf: t('Packet {0} of {1}', '{0}', '{1}'),
    line: t('line {0}', '{0}'),
    option: t('Option'),
    negotiated: t('Negotiated'),
    rtt: t('Handshake RTT'),
    retransmissions: t('Retransmissions'),
    notes: t('Notes'),
    notSeen: t('not seen'),
    currentTransition: t('current transition'),
    ladderHelp: t('Arrow keys move between packets; Enter shows the line.'),
    diagramLabel: t('RFC 9293 TCP state diagram with both endpoints\' paths'),
    ladderLabel: t('Ladder diagram: one arrow per packet'),
    diagramHelp: t('Drag or use the arrow keys to move it; the mouse wheel, + and - zoom; 0 fits it to the view.'),
    zoomIn: t('Zoom in (+)'),
    zoomOut: t('Zoom out (-)'),
    fit: t('Fit'),
    fitHelp: t('Show the whole diagram (0)'),
    history: t('history'),
    graphs: t("Graphs"),
    timeSequence: t("Time-sequence"),
    tcptraceView: t("tcptrace"),
    stevensView: t("Stevens"),
    graphViewHelp: t("tcptrace: each segment a bar, with the ACK line and the receive window's edge. Stevens: each segment a dot. Both draw the receiver's SACK blocks."),
    throughput: t("Throughput"),
    rttOverTime: t("Round-trip time (ACK RTT)"),
    windowInFlight: t("Window and bytes in flight"),
    timeAxis: t("time since the first packet"),
    segments: t("segments"),
    ackLine: t("ACK"),
    windowEdge: t("receive window edge"),
    sackBlocks: t("SACK blocks"),
    retransmissionMark: t("retransmission"),
    bytesInFlight: t("bytes in flight"),
    advertisedWindow: t("advertised window"),
    dataFrom: t("Data from the {0}"),
    switchDirection: t("Show the other direction"),
    graphsLabel: t("Graphs of the connection over one time axis"),
    graphsHelp: t("The mouse wheel, + and - zoom the time axis; drag or the arrow keys pan; Home shows all of it; click a point to go to its packet."),
    noTimes: t("The trace has no timestamps (tcpdump -t), so nothing can be drawn over time."),
    noData: t("No data segments in this direction."),
    noSamples: t("No samples in this direction."),
    unknownWindowScale: t("The window scale is unknown (no SYN seen), so the advertised window cannot be drawn."),
    unknownFlags: t("tcpdump -q prints no flags or numbers: no RTT or bytes in flight."),
    unknownUnacknowledged: t("More segments went unacknowledged than are followed: bytes in flight are missing for a while."),
    cursorPacket: t("packet at the cursor"),
    resetZoom: t("Show all (Home)"),
    loadingGraphs: t("Loading the packets… {0}%"),
    ...transitionLabels(),
  }));
  return strings;
}

const traceIds = new WeakMap<Trace, number>();
let nextTraceId = 1;

/** Names a connection of one trace: the webview keeps ladder rows while it stays the same. */
export function ladderKey(trace: Trace, connection: number): string {
  let id = traceIds.get(trace);
  if (id === undefined) traceIds.set(trace, (id = nextTraceId++));
  return `${id}:${connection}`;
}

/** Per trace and connection: what stays the same while the cursor moves within a connection. */
const perConnection = new WeakMap<Trace, Map<string, { view: ConnectionView; handshake: HandshakeView }>>();

function connectionParts(trace: Trace, c: ConnectionSummary, lang: Lang): { view: ConnectionView; handshake: HandshakeView } {
  let byId = perConnection.get(trace);
  if (!byId) perConnection.set(trace, (byId = new Map()));
  const key = `${c.id}:${lang}`;
  let parts = byId.get(key);
  if (!parts) {
    // A handful of connections is enough: the cursor stays in one for a while.
    if (byId.size >= 16) byId.clear();
    byId.set(key, (parts = { view: connectionView(c), handshake: handshakeView(trace, c, lang) }));
  }
  return parts;
}

export function connectionView(c: ConnectionSummary): ConnectionView {
  return {
    id: c.id,
    client: c.client,
    server: c.server,
    outcome: outcomeLabel(outcomeOf(c)),
    connState: c.connState,
    history: c.history,
    packets: c.packets,
    clientState: c.clientState,
    serverState: c.serverState,
    summary: connectionDescription(c),
  };
}

export function ladderRow(p: PacketInfo, t0: number | null): LadderRow {
  return {
    index: p.index,
    ordinal: p.ordinal,
    line: p.line,
    from: p.from,
    flags: p.flags,
    label: packetLine(p).slice(2),
    t: p.time !== null && t0 !== null ? p.time - t0 : null,
    clientState: p.after.client,
    serverState: p.after.server,
    events: p.events.map(eventName),
  };
}

export function ladderRows(trace: Trace, connection: number, start: number, count: number): LadderRow[] {
  const list = trace.packetIndexes(connection);
  const t0 = list.length ? trace.packet(list[0]).time : null;
  const rows: LadderRow[] = [];
  for (let i = Math.max(0, start); i < Math.min(list.length, start + count); i++) rows.push(ladderRow(trace.packet(list[i]), t0));
  return rows;
}

function safeExplain(trace: Trace, index: number, lang: Lang): string {
  try {
    return explainPacket(trace, index, lang);
  } catch {
    return '';
  }
}

const stateText = (s: string | null, lang: Lang) => (s && s in STATE_TEXT ? `${s}: ${STATE_TEXT[s as StateName][lang]}` : '');

export function buildModel(
  trace: Trace,
  uri: vscode.Uri,
  connectionId: number,
  packetIndex: number,
  mode: PanelMode,
  lang: Lang,
): ViewModel {
  const byId = trace.connections[connectionId];
  const c = byId?.id === connectionId ? byId : trace.connections.find((x) => x.id === connectionId);
  const base: ViewModel = {
    type: 'model',
    mode,
    strings: panelStrings(),
    document: uri.path.split('/').pop() ?? uri.toString(),
    uri: uri.toString(),
    connection: null,
    currentIndex: -1,
    current: -1,
    diagram: null,
    ladder: { total: 0, start: 0, rows: [] },
    handshake: null,
    message: null,
  };
  if (!c) return { ...base, message: t('Put the cursor on a packet line of a tcpdump document, or pick a connection in the TCP Connections view.') };

  const list = trace.packetIndexes(c.id);
  let ordinal = packetIndex >= 0 && trace.packet(packetIndex).connection === c.id ? trace.packet(packetIndex).ordinal : 0;
  ordinal = Math.min(ordinal, list.length - 1);
  const current = list.length ? trace.packet(list[ordinal]) : undefined;

  const clientPath: number[] = [];
  const serverPath: number[] = [];
  // From the transition columns: no PacketInfo for each packet before the cursor.
  const cols = trace.columns;
  const take = (path: number[], t: number) => t >= 0 && path.push(t);
  for (let i = 0; i <= ordinal && i < list.length; i++) {
    const q = list[i];
    take(clientPath, cols.cT1[q]);
    take(clientPath, cols.cT2[q]);
    take(serverPath, cols.sT1[q]);
    take(serverPath, cols.sT2[q]);
  }
  // Only the rows around the current packet; the webview asks for others as it scrolls.
  const start = Math.max(0, Math.min(ordinal - LADDER_CONTEXT, list.length - (2 * LADDER_CONTEXT + 1)));
  const parts = connectionParts(trace, c, lang);
  return {
    ...base,
    connection: parts.view,
    currentIndex: current?.index ?? -1,
    current: current ? ordinal : -1,
    diagram: current
      ? {
          clientPath,
          serverPath,
          current: current.transitions,
          clientState: current.after.client,
          serverState: current.after.server,
          explanation: safeExplain(trace, current.index, lang),
          clientStateText: stateText(current.after.client, lang),
          serverStateText: stateText(current.after.server, lang),
        }
      : null,
    ladder: { total: list.length, start, rows: ladderRows(trace, c.id, start, 2 * LADDER_CONTEXT + 1), key: ladderKey(trace, c.id) },
    handshake: parts.handshake,
  };
}

// --- handshake ---

const U32 = 0x1_0000_0000;
const plus1 = (v: number) => (v + 1) % U32;
const yesNo = (v: boolean) => (v ? t('yes') : t('no'));

function packetAt(trace: Trace, line: number | null): PacketInfo | undefined {
  if (line === null) return undefined;
  const i = trace.packetAtLine(line);
  return i >= 0 ? trace.packet(i) : undefined;
}

/**
 * The client's ACK after the SYN,ACK where it did not complete the handshake (it did not
 * acknowledge the server's ISN+1, or the server refused it), so its numbers can be checked.
 */
function thirdSegment(trace: Trace, c: ConnectionSummary): PacketInfo | undefined {
  const h = c.handshake;
  if (h.synAckLine === null || !c.notes.some((k) => k === 'handshake_ack_unacceptable' || k === 'handshake_ack_refused')) return undefined;
  for (const i of trace.packetsOf(c.id)) {
    const p = trace.packet(i);
    if (p.line > h.synAckLine && p.from === 'client' && p.flags.includes('.') && !p.flags.includes('S') && !p.flags.includes('R')) return p;
  }
  return undefined;
}

function optionRows(h: Handshake): HandshakeView['options'] {
  const show = (o: SynOptions | null, f: (o: SynOptions) => string) => (o ? f(o) : '—');
  const ws = (o: SynOptions) => (o.wscale === null ? t('no') : `${o.wscale} (×${2 ** o.wscale})`);
  return [
    {
      name: 'MSS',
      client: show(h.client, (o) => (o.mss === null ? t('none') : String(o.mss))),
      server: show(h.server, (o) => (o.mss === null ? t('none') : String(o.mss))),
      negotiated: h.mss === null ? '—' : t('{0} (the smaller one)', h.mss),
    },
    {
      name: t('Window scale'),
      client: show(h.client, ws),
      server: show(h.server, ws),
      negotiated: h.wscale ? t('client ×{0}, server ×{1}', 2 ** h.wscale.client, 2 ** h.wscale.server) : t('off (both sides must send it)'),
    },
    { name: 'SACK', client: show(h.client, (o) => yesNo(o.sackPermitted)), server: show(h.server, (o) => yesNo(o.sackPermitted)), negotiated: yesNo(h.sackPermitted) },
    { name: t('Timestamps'), client: show(h.client, (o) => yesNo(o.timestamps)), server: show(h.server, (o) => yesNo(o.timestamps)), negotiated: yesNo(h.timestamps) },
    { name: t('TCP Fast Open'), client: show(h.client, (o) => yesNo(o.fastOpen)), server: show(h.server, (o) => yesNo(o.fastOpen)), negotiated: yesNo(h.fastOpen) },
    { name: 'ECN', client: show(h.client, (o) => yesNo(o.ecn)), server: show(h.server, (o) => yesNo(o.ecn)), negotiated: yesNo(h.ecn) },
  ];
}

export function handshakeView(trace: Trace, c: ConnectionSummary, lang: Lang = 'en'): HandshakeView {
  const h = c.handshake;
  const syn = packetAt(trace, h.synLine);
  const synAck = packetAt(trace, h.synAckLine);
  const ack = packetAt(trace, h.ackLine) ?? thirdSegment(trace, c);
  const x = h.clientIsn;
  const y = h.serverIsn;
  const num = (v: number | null) => (v === null ? '—' : String(v));

  const steps: HandshakeStep[] = [
    {
      step: 1, name: 'SYN', from: 'client', index: syn?.index ?? null, line: syn?.line ?? null,
      seq: x === null ? '—' : `x = ${x}`, ack: '—',
      checks: syn ? [{ text: t('SYN flag set, no ACK'), ok: syn.flags.includes('S') && !syn.flags.includes('.') }] : [],
    },
    {
      step: 2, name: 'SYN,ACK', from: 'server', index: synAck?.index ?? null, line: synAck?.line ?? null,
      seq: y === null ? '—' : `y = ${y}`,
      ack: synAck ? (x !== null && synAck.ack === plus1(x) ? `x+1 = ${synAck.ack}` : num(synAck.ack)) : '—',
      checks: synAck && x !== null ? [{ text: 'ack = x+1', ok: synAck.ack === plus1(x) || (synAck.ack === null && synAck.relAck === 1) }] : [],
    },
    {
      step: 3, name: 'ACK', from: 'client', index: ack?.index ?? null, line: ack?.line ?? null,
      // tcpdump leaves seq out of a pure ACK; it is then x+1 by construction.
      seq: ack ? (ack.seq !== null ? num(ack.seq) : x !== null ? `x+1 = ${plus1(x)}` : '—') : '—',
      ack: ack ? (y !== null && ack.ack === plus1(y) ? `y+1 = ${ack.ack}` : num(ack.ack)) : '—',
      checks:
        ack && x !== null && y !== null
          ? [
              ...(ack.seq !== null || ack.relSeq !== null ? [{ text: 'seq = x+1', ok: ack.seq === plus1(x) || ack.relSeq === 1 }] : []),
              { text: 'ack = y+1', ok: ack.ack === plus1(y) || ack.relAck === 1 },
            ]
          : [],
    },
  ];

  const retransmissions: string[] = [];
  const intervals = (list: number[]) => list.map((s) => formatMs(s * 1000)).join(', ');
  if (h.synRetransmissions) retransmissions.push(t('SYN sent {0} times; gaps {1} (exponential backoff)', h.synRetransmissions + 1, intervals(h.synIntervals)));
  if (h.synAckRetransmissions) retransmissions.push(t('SYN,ACK sent {0} times; gaps {1} (the server retries while the connection waits in its SYN queue)', h.synAckRetransmissions + 1, intervals(h.synAckIntervals)));

  const notes: string[] = [];
  const probe = c.notes.includes('probe');
  if (c.midStream || (!syn && !synAck && !probe)) notes.push(t('The capture started after the handshake: the options the SYNs carried (MSS, window scale, SACK) are unknown, so windows cannot be scaled.'));
  if (c.connState === 'REJ' && !probe) notes.push(t('Connection refused: the server answered the SYN with RST, so nothing was listening on that port.'));
  else if (syn && !synAck && !h.simultaneousOpen) notes.push(t('No SYN,ACK: the server never answered (host down, port filtered by a firewall, or its SYN queue full). The client retries with exponential backoff, then gives up.'));
  if (h.simultaneousOpen) notes.push(t('Simultaneous open: both ends sent a SYN. Each goes SYN_SENT → SYN_RECEIVED → ESTABLISHED, and four segments replace the usual three.'));
  // What the engine inferred (a refused or wrong third ACK, an end that never answered...).
  for (const k of c.notes) notes.push(noteText(k, lang));
  if (synAck && !ack && !h.complete) notes.push(t('The SYN,ACK was never acknowledged: the server stays in SYN_RECEIVED (a half-open connection) and retransmits the SYN,ACK. Many of these at once look like a SYN flood.'));
  if (h.dataOnThirdPacket) notes.push(t('The third packet already carries data, which is allowed.'));
  if (h.fastOpen) notes.push(t('TCP Fast Open: data can ride on the SYN when the client has a cookie from an earlier connection.'));
  if (h.complete && !notes.length && !retransmissions.length) notes.push(t('A clean three-way handshake.'));

  return {
    complete: h.complete,
    steps,
    options: optionRows(h),
    rtt: h.rttMs === null ? null : formatMs(h.rttMs),
    retransmissions,
    notes,
  };
}

// RFC 9293 connection states and the transition table (RFC 9293 section 3.3.2, figure 5).
// This table is the single source of truth: the engine steps it, the webview draws its
// edges, and hovers quote its labels.

export enum State {
  CLOSED = 0,
  LISTEN,
  SYN_SENT,
  SYN_RECEIVED,
  ESTABLISHED,
  FIN_WAIT_1,
  FIN_WAIT_2,
  CLOSE_WAIT,
  CLOSING,
  LAST_ACK,
  TIME_WAIT,
  /** No flags in the trace (tcpdump -q), so the state cannot be followed. */
  UNKNOWN,
}

export const STATE_NAMES = [
  'CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1',
  'FIN_WAIT_2', 'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT', 'UNKNOWN',
] as const;
export type StateName = (typeof STATE_NAMES)[number];

/** The RFC states, without UNKNOWN. */
export const RFC_STATE_COUNT = 11;

/** What happens at one endpoint. Each is either something it sends or something it receives. */
export enum TcpEvent {
  PASSIVE_OPEN = 0,
  ACTIVE_OPEN,      // snd SYN
  SEND,             // application send on a listener: snd SYN
  RCV_SYN,          // rcv SYN (answered with SYN,ACK)
  RCV_SYN_ACK,      // rcv SYN,ACK (answered with ACK)
  RCV_ACK_OF_SYN,
  CLOSE,            // application close: snd FIN (or nothing, before a SYN was answered)
  RCV_FIN,
  RCV_ACK_OF_FIN,
  SND_RST,
  RCV_RST,
  TIMEOUT,          // 2*MSL in TIME_WAIT
}

export const EVENT_NAMES = [
  'PASSIVE_OPEN', 'ACTIVE_OPEN', 'SEND', 'RCV_SYN', 'RCV_SYN_ACK', 'RCV_ACK_OF_SYN', 'CLOSE',
  'RCV_FIN', 'RCV_ACK_OF_FIN', 'SND_RST', 'RCV_RST', 'TIMEOUT',
] as const;

export interface Transition {
  from: State;
  event: TcpEvent;
  to: State;
  /** The RFC diagram's edge label: "event / action". */
  label: string;
}

const S = State;
const E = TcpEvent;

/** One row per edge of the RFC diagram, plus the resets that the diagram states in prose. */
export const TRANSITIONS: readonly Transition[] = [
  { from: S.CLOSED, event: E.PASSIVE_OPEN, to: S.LISTEN, label: 'passive OPEN' },
  { from: S.CLOSED, event: E.ACTIVE_OPEN, to: S.SYN_SENT, label: 'active OPEN / snd SYN' },
  { from: S.LISTEN, event: E.RCV_SYN, to: S.SYN_RECEIVED, label: 'rcv SYN / snd SYN,ACK' },
  { from: S.LISTEN, event: E.SEND, to: S.SYN_SENT, label: 'SEND / snd SYN' },
  { from: S.LISTEN, event: E.CLOSE, to: S.CLOSED, label: 'CLOSE' },
  { from: S.SYN_SENT, event: E.RCV_SYN, to: S.SYN_RECEIVED, label: 'rcv SYN / snd SYN,ACK' },
  { from: S.SYN_SENT, event: E.RCV_SYN_ACK, to: S.ESTABLISHED, label: 'rcv SYN,ACK / snd ACK' },
  { from: S.SYN_SENT, event: E.CLOSE, to: S.CLOSED, label: 'CLOSE' },
  { from: S.SYN_SENT, event: E.RCV_RST, to: S.CLOSED, label: 'rcv RST' },
  { from: S.SYN_RECEIVED, event: E.RCV_ACK_OF_SYN, to: S.ESTABLISHED, label: 'rcv ACK of SYN' },
  { from: S.SYN_RECEIVED, event: E.RCV_SYN_ACK, to: S.ESTABLISHED, label: 'rcv SYN,ACK (ACK of SYN) / snd ACK' },
  { from: S.SYN_RECEIVED, event: E.CLOSE, to: S.FIN_WAIT_1, label: 'CLOSE / snd FIN' },
  { from: S.SYN_RECEIVED, event: E.RCV_RST, to: S.LISTEN, label: 'rcv RST (passive open)' },
  { from: S.SYN_RECEIVED, event: E.RCV_FIN, to: S.CLOSE_WAIT, label: 'rcv FIN / snd ACK' },
  { from: S.ESTABLISHED, event: E.CLOSE, to: S.FIN_WAIT_1, label: 'CLOSE / snd FIN' },
  { from: S.ESTABLISHED, event: E.RCV_FIN, to: S.CLOSE_WAIT, label: 'rcv FIN / snd ACK' },
  { from: S.FIN_WAIT_1, event: E.RCV_ACK_OF_FIN, to: S.FIN_WAIT_2, label: 'rcv ACK of FIN' },
  { from: S.FIN_WAIT_1, event: E.RCV_FIN, to: S.CLOSING, label: 'rcv FIN / snd ACK' },
  { from: S.FIN_WAIT_2, event: E.RCV_FIN, to: S.TIME_WAIT, label: 'rcv FIN / snd ACK' },
  { from: S.CLOSE_WAIT, event: E.CLOSE, to: S.LAST_ACK, label: 'CLOSE / snd FIN' },
  { from: S.CLOSING, event: E.RCV_ACK_OF_FIN, to: S.TIME_WAIT, label: 'rcv ACK of FIN' },
  { from: S.LAST_ACK, event: E.RCV_ACK_OF_FIN, to: S.CLOSED, label: 'rcv ACK of FIN' },
  { from: S.TIME_WAIT, event: E.TIMEOUT, to: S.CLOSED, label: 'Timeout = 2MSL' },
  // Resets (RFC 9293 section 3.10.7): any synchronized state goes to CLOSED.
  ...[S.ESTABLISHED, S.FIN_WAIT_1, S.FIN_WAIT_2, S.CLOSE_WAIT, S.CLOSING, S.LAST_ACK, S.TIME_WAIT].map(
    (from) => ({ from, event: E.RCV_RST, to: S.CLOSED, label: 'rcv RST' }),
  ),
  ...[S.SYN_SENT, S.SYN_RECEIVED, S.ESTABLISHED, S.FIN_WAIT_1, S.FIN_WAIT_2, S.CLOSE_WAIT, S.CLOSING, S.LAST_ACK, S.TIME_WAIT].map(
    (from) => ({ from, event: E.SND_RST, to: S.CLOSED, label: 'ABORT / snd RST' }),
  ),
];

/** Dense lookup: NEXT[from * EVENT_COUNT + event] = index into TRANSITIONS, or -1. */
const EVENT_COUNT = EVENT_NAMES.length;
const NEXT = new Int16Array(RFC_STATE_COUNT * EVENT_COUNT).fill(-1);
TRANSITIONS.forEach((t, i) => {
  NEXT[t.from * EVENT_COUNT + t.event] = i;
});

/** The transition taken from `from` on `event`, as an index into TRANSITIONS, or -1 if none. */
export function transitionIndex(from: State, event: TcpEvent): number {
  if (from >= RFC_STATE_COUNT) return -1;
  return NEXT[from * EVENT_COUNT + event];
}

/** Short explanations of each state, in English and Simplified Chinese. */
export const STATE_TEXT: Record<StateName, { en: string; zh: string }> = {
  CLOSED: { en: 'No connection.', zh: '没有连接。' },
  LISTEN: { en: 'Waiting for a connection request (a listening socket).', zh: '等待连接请求（监听套接字）。' },
  SYN_SENT: { en: 'Sent a SYN; waiting for the peer\'s SYN,ACK.', zh: '已发送 SYN，等待对端的 SYN,ACK。' },
  SYN_RECEIVED: { en: 'Received a SYN and answered SYN,ACK; waiting for the ACK (half-open).', zh: '已收到 SYN 并回复 SYN,ACK，等待 ACK（半连接）。' },
  ESTABLISHED: { en: 'Open: data flows both ways.', zh: '连接已建立，双向传输数据。' },
  FIN_WAIT_1: { en: 'Closed its side and sent a FIN; waiting for the ACK of that FIN.', zh: '主动关闭，已发送 FIN，等待对该 FIN 的 ACK。' },
  FIN_WAIT_2: { en: 'Its FIN is acknowledged; waiting for the peer\'s FIN (half-closed).', zh: '自己的 FIN 已被确认，等待对端的 FIN（半关闭）。' },
  CLOSE_WAIT: { en: 'The peer closed (FIN received and acknowledged); waiting for the application to close.', zh: '对端已关闭（收到并确认 FIN），等待本端应用关闭套接字。' },
  CLOSING: { en: 'Both sides sent a FIN at once; waiting for the ACK of its own FIN.', zh: '双方同时关闭，等待对自己 FIN 的 ACK。' },
  LAST_ACK: { en: 'Closed after the peer; waiting for the ACK of its FIN.', zh: '被动关闭方已发送 FIN，等待最后的 ACK。' },
  TIME_WAIT: { en: 'Closed first; waits 2MSL so late segments die out and the last ACK can be resent.', zh: '主动关闭方等待 2MSL，让迟到的报文消失并能重发最后的 ACK。' },
  UNKNOWN: { en: 'The trace has no TCP flags (tcpdump -q), so the state cannot be followed.', zh: '跟踪中没有 TCP 标志（tcpdump -q），无法推断状态。' },
};

/** Default 2*MSL in seconds: Linux keeps TIME_WAIT for 60 s. */
export const DEFAULT_TIME_WAIT_SECONDS = 60;

/** An end's state at time `now`: TIME_WAIT entered at `since` has ended after 2MSL (`timeWait`). */
export function afterTimeWait(s: State, since: number, now: number, timeWait: number): State {
  return s === State.TIME_WAIT && now - since >= timeWait ? State.CLOSED : s;
}

// The engine's public data shapes. Everything here is plain data that can cross a worker or
// webview boundary as JSON.

import type { PacketColumns } from './columns';
import type { Limits } from './limits';
import type { StateName } from './states';

export { Flag } from './flags';

export type Side = 'client' | 'server';

/**
 * What was repaired in text that went through other hands (see repair.ts): packets glued on
 * one line, wrapped over several, noise around them, numbers with no printed base, copies.
 */
export const REPAIR_KINDS = ['split', 'wrap', 'banner', 'prefix', 'characters', 'annotation', 'elision', 'relative', 'duplicate', 'pasted', 'clock'] as const;
export type RepairKind = (typeof REPAIR_KINDS)[number];

/** One kind of repair, with how often it was made and the first lines it was made on. */
export interface Repair {
  kind: RepairKind;
  /** How many: packets split out, packets rejoined, lines ignored, flows, copies. */
  count: number;
  /** Lines that needed it (1-based, the first 20). */
  lines: number[];
}

export interface Problem {
  /** 1-based line number. */
  line: number;
  reason: string;
}

/** Expert-event names, as tshark's tcp.analysis.* fields name them. */
export const EVENT_KINDS = [
  'retransmission',
  'fast_retransmission',
  'spurious_retransmission',
  'out_of_order',
  'lost_segment',
  'ack_lost_segment',
  'duplicate_ack',
  'zero_window',
  'zero_window_probe',
  'zero_window_probe_ack',
  'window_update',
  'window_full',
  'keep_alive',
  'keep_alive_ack',
  'reused_ports',
  /** Not tshark's: the same packet captured a second time (two interfaces, or In and Out). */
  'duplicate_capture',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * What the engine inferred where the packets alone leave a connection's story open; each is
 * explained in the views (explain.ts noteText).
 */
export const NOTE_KINDS = [
  /** The client's ACK after the SYN,ACK does not acknowledge the server's ISN+1. */
  'handshake_ack_unacceptable',
  /** The server answered the handshake's ACK with a RST. */
  'handshake_ack_refused',
  /** The client never answered repeated SYN,ACKs: shown in SYN_SENT, its real state unknown. */
  'syn_ack_unanswered',
  /** Only probes (no SYN, ACK or RST: FIN, Xmas or NULL scans) and RSTs: no connection. */
  'probe',
  /** A probe answered by a RST: the port is closed. */
  'refused_probe',
  /** Segments with no flags at all, which change no state. */
  'no_flags',
] as const;
export type NoteKind = (typeof NOTE_KINDS)[number];

/**
 * What a connection's performance figures lack because the text does not carry it:
 * - flags: `tcpdump -q` lines (no flags, numbers or window): no RTT, bytes in flight or handshake;
 * - time: lines without a time stamp (`-t`): no RTT, durations or throughput from them;
 * - window_scale: no SYN seen, so the window scale is unknown: windowBytes are null;
 * - handshake: no SYN seen (a capture begun mid-stream): no handshake split;
 * - unacknowledged: more segments went unacknowledged than are followed (flight.ts), so bytes
 *   in flight are missing for a while.
 */
export const UNKNOWN_KINDS = ['flags', 'time', 'window_scale', 'handshake', 'unacknowledged', 'acks'] as const;

export type UnknownKind = (typeof UNKNOWN_KINDS)[number];

/** What limited a connection (limits.ts): each moment between two packets is put down to one. */
export const LIMIT_KINDS = ['receiver_window', 'loss', 'application', 'server_think', 'handshake', 'delayed_ack', 'none', 'unknown'] as const;
export type LimitKind = (typeof LIMIT_KINDS)[number];

/** The time one kind of limit cost a connection. */
export interface Limit {
  kind: LimitKind;
  seconds: number;
  /** seconds over the connection's duration, 0..1. */
  share: number;
  /** The first line of each stretch of this kind (at most 64). */
  lines: number[];
}

/** A stretch of one cause other than none: from the packet that starts it to the one that ends it. */
export interface Stall {
  startLine: number;
  endLine: number;
  seconds: number;
  cause: LimitKind;
}

export interface ExpertEvent {
  line: number;
  /** The packet that carries it: its index in the trace (the `packets` array of --json --packets). */
  packet: number;
  kind: EventKind;
  /**
   * Present (true) where the event rests on a seq tcpdump did not print (a segment without
   * data, SYN, FIN or RST), which the analysis inferred from the flow (README: "What it infers").
   */
  inferred?: true;
}

export interface SynOptions {
  mss: number | null;
  wscale: number | null;
  sackPermitted: boolean;
  timestamps: boolean;
  fastOpen: boolean;
  ecn: boolean;
}

export interface Handshake {
  complete: boolean;
  simultaneousOpen: boolean;
  /** tshark's tcp.analysis.initial_rtt: first SYN to the ACK of the SYN,ACK, in ms. */
  rttMs: number | null;
  clientIsn: number | null;
  serverIsn: number | null;
  /** The effective MSS: the smaller of the two sides' MSS options. */
  mss: number | null;
  /** Window scaling as negotiated, only when both sides sent the option. */
  wscale: { client: number; server: number } | null;
  sackPermitted: boolean;
  timestamps: boolean;
  fastOpen: boolean;
  ecn: boolean;
  dataOnThirdPacket: boolean;
  synRetransmissions: number;
  synAckRetransmissions: number;
  /** Seconds between successive SYN copies (the backoff), then between SYN,ACK copies. */
  synIntervals: number[];
  synAckIntervals: number[];
  client: SynOptions | null;
  server: SynOptions | null;
  /** Lines of the SYN, SYN,ACK and the ACK that completed the handshake (null where unseen). */
  synLine: number | null;
  synAckLine: number | null;
  ackLine: number | null;
}

export interface Close {
  firstFinFrom: Side | null;
  simultaneous: boolean;
  rstFrom: Side | null;
  /** 'four-way', 'combined' (FIN+ACK, three segments), 'simultaneous', 'reset', 'half-closed', 'open'. */
  kind: 'four-way' | 'combined' | 'simultaneous' | 'reset' | 'half-closed' | 'open';
}

export interface ConnectionSummary {
  id: number;
  /** Endpoints as tcpdump printed them, `addr.port`. */
  client: string;
  server: string;
  /** True when no SYN was seen and the roles come from the port numbers. */
  roleInferred: boolean;
  /** True when the capture started after the handshake. */
  midStream: boolean;
  firstLine: number;
  lastLine: number;
  packets: number;
  packetsBy: { client: number; server: number };
  bytes: { client: number; server: number };
  /** Seconds as the trace prints them (since midnight, epoch or first packet), or null with -t. */
  start: number | null;
  duration: number | null;
  clientState: StateName | null;
  serverState: StateName | null;
  handshake: Handshake;
  close: Close;
  connState: string;
  history: string;
  events: ExpertEvent[];
  /** What was inferred where the packets leave it open, in NOTE_KINDS order. */
  notes: NoteKind[];
  performance: Performance;
}

/** RTT samples (packets' ackRttMs) of the data one side sent, acknowledged by the other. */
export interface RttStats {
  samples: number;
  minMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
}

/** One side's payload: bytes, seconds from its first to its last segment with data, and their rate. */
export interface Throughput {
  bytes: number;
  seconds: number | null;
  bitsPerSecond: number | null;
  /** [time, bits per second] over the same span (performance.ts throughputSeries); in the JSON only. */
  series?: Array<[number, number]>;
}

/** A connection's performance figures (performance.ts). */
export interface Performance {
  /** Whether both SYNs were seen, so the packets' windowBytes are known. */
  windowScaleKnown: boolean;
  /** By the side whose data was acknowledged. */
  rtt: { client: RttStats; server: RttStats };
  /** Where the handshake's time went: before the capture point's SYN,ACK, and after it. */
  handshakeSplit: { synToSynAckMs: number | null; synAckToAckMs: number | null };
  /** From the client's first data segment to the server's first (null when the server spoke first). */
  timeToFirstByteMs: number | null;
  /** From the server's ACK of the whole request to its first response byte. */
  serverResponseMs: number | null;
  throughput: { client: Throughput; server: Throughput };
  /** What the text does not carry, so the figures above lack it (UNKNOWN_KINDS). */
  unknown: UnknownKind[];
  /** The limit that cost the most time (limits.ts), or null where the text cannot tell. */
  verdict: LimitKind | null;
  /** Seconds in stalls, for sorting: the stretches of one limit of 30 ms or more. */
  stallSeconds: number | null;
  /** The time per limit, largest first (limits.ts); in the JSON only. */
  limits?: Limit[];
  /** The stalls, in order; in the JSON only. */
  stalls?: Stall[];
}

/** One packet, materialised for a view (hover, tree, panel). */
export interface PacketInfo {
  index: number;
  line: number;
  /** The -v IP header line above the TCP line, or the same as line. */
  headerLine: number;
  connection: number;
  /** 0-based position within its connection. */
  ordinal: number;
  from: Side;
  src: string;
  sport: string;
  dst: string;
  dport: string;
  flags: string;
  flagBits: number;
  seq: number | null;
  ack: number | null;
  relSeq: number | null;
  relAck: number | null;
  win: number | null;
  len: number;
  time: number | null;
  before: { client: StateName | null; server: StateName | null };
  after: { client: StateName | null; server: StateName | null };
  /** Indexes into TRANSITIONS taken by this packet (client's, then server's). */
  transitions: { client: number[]; server: number[] };
  events: string[];
}

export interface Census {
  line: number;
  counts: Partial<Record<StateName, number>>;
  connections: number;
}

export interface HalfOpenFlood {
  listener: string;
  peak: number;
  sources: number;
  line: number;
}

export interface TraceOptions {
  /** 2*MSL: how long an endpoint stays in TIME_WAIT, in seconds of trace time. Default 60. */
  timeWaitSeconds?: number;
  /** Force reading seq/ack as absolute (tcpdump -S). Detected when not given. */
  absoluteSeq?: boolean;
  /** How many SYN_RECEIVED connections on one listener make a half-open flood. Default 50. */
  floodThreshold?: number;
}

/** The analysed trace: queryable by line, by connection and by time (ColumnTrace). */
export interface Trace {
  readonly lines: number;
  readonly packetCount: number;
  /** Non-empty lines that are not TCP packets (UDP, ARP, dumps, decoder lines...). */
  readonly skipped: number;
  readonly problems: Problem[];
  /** What was repaired to read the text, by kind (empty for clean tcpdump output). */
  readonly repairs: Repair[];
  readonly connections: ConnectionSummary[];
  readonly halfOpenFloods: HalfOpenFlood[];
  /** The packet whose text covers this 1-based line (TCP line or its -v header), or -1. */
  packetAtLine(line: number): number;
  packet(index: number): PacketInfo;
  /** Packet indexes of one connection, in order. */
  packetsOf(connection: number): number[];
  /** The same, without copying. */
  packetIndexes(connection: number): Int32Array;
  /** The per-packet columns, indexed by packet: for views that scan many packets. */
  readonly columns: Readonly<PacketColumns>;
  /** Connection c's limits as the analysis worked them out, where it kept them (big connections). */
  keptLimitsOf?(c: number): Limits | undefined;
  /** How many endpoints are in each state just after this line (like `ss -tan` then). */
  census(line: number): Census;
  /** The tcp-trace/1 JSON document. */
  toJSON(withPackets?: boolean): TraceJson;
  /** Its text, JSON.stringify(toJSON(withPackets)), as UTF-8 bytes in chunks made as they are taken. */
  jsonParts(withPackets?: boolean, size?: number): Iterable<Uint8Array>;
}

export interface PacketRecordJson {
  line: number;
  connection: number;
  src: string;
  sport: string;
  dst: string;
  dport: string;
  flags: string;
  seq: number | null;
  ack: number | null;
  win: number | null;
  len: number;
  /** The advertised window in bytes, scaled by the sender's window scale; null where that is unknown. */
  windowBytes: number | null;
  /** tshark's tcp.analysis.ack_rtt in ms, on an ACK of data, SYN or FIN (never of a retransmitted segment). */
  ackRttMs: number | null;
  /** tshark's tcp.analysis.bytes_in_flight, on a segment with data. */
  bytesInFlight: number | null;
  /** The SACK option's blocks, [left edge, right edge] as absolute sequence numbers; only on a packet that carries them and whose ack is absolute. */
  sackBlocks?: Array<[number, number]>;
  clientState: StateName | null;
  serverState: StateName | null;
  events: string[];
}

export interface TraceJson {
  format: 'tcp-trace/1';
  lines: number;
  packets: number;
  skipped: number;
  problems: Problem[];
  repairs: Repair[];
  connections: Array<Omit<ConnectionSummary, 'handshake'> & { handshake: Handshake }>;
  halfOpenFloods: HalfOpenFlood[];
  packetRecords?: PacketRecordJson[];
}

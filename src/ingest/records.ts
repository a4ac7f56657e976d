// A capture's plain TCP segments as the builder takes them: the record the scanner would make
// of each one's printed line. Ingest and the CLI's scanning thread make them alike.

import type { TcpFields } from '../pcap';
import { FLAG_OF_WIRE } from '../trace/flags';
import { hasPacketStart } from '../trace/repair';
import { LineKind, type LineRecord, TimeKind } from '../trace/scan';

/** The builder reads the text after "length N" only to find packets glued there. */
export function plainTail(b: Uint8Array, start: number, end: number): boolean {
  return !hasPacketStart(b, start, end);
}

/** r filled as the scanner fills it from the segment's printed line. */
export function toRecord(f: TcpFields, r: LineRecord): LineRecord {
  r.reset();
  r.kind = LineKind.Packet;
  r.time = f.time;
  r.timeKind = TimeKind.TimeOfDay;
  r.flags = FLAG_OF_WIRE[f.flags];
  r.seq = f.seq;
  r.seqEnd = f.seqEnd;
  r.ack = f.ack;
  r.win = f.win;
  r.len = f.len;
  r.mss = f.mss;
  r.wscale = f.wscale;
  r.sackOK = f.sackOK;
  r.timestamps = f.timestamps;
  r.sackBytes = f.sackBytes;
  r.sackCount = f.sackCount;
  r.sackEdges.set(f.sackEdges);
  r.epBuf = f.names.buf;
  r.srcStart = 0;
  r.srcDot = f.srcDot;
  r.srcEnd = f.srcEnd;
  r.dstStart = f.srcEnd;
  r.dstDot = f.dstDot;
  r.dstEnd = f.dstEnd;
  r.ipv4 = !f.v6;
  r.srcIp = f.srcIp;
  r.srcPort = f.srcPort;
  r.dstIp = f.dstIp;
  r.dstPort = f.dstPort;
  return r;
}


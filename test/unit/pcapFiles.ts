// Builds capture files for the pcap printer's tests: reads the fixtures' pcap records and
// writes them again as other byte orders, resolutions, snap lengths, link types and pcapng.

export interface Rec {
  sec: number;
  /** Microseconds (or nanoseconds in a nanosecond file). */
  frac: number;
  len: number;
  data: Uint8Array;
}

export interface Pcap {
  linkType: number;
  snaplen: number;
  nano: boolean;
  records: Rec[];
}

export function readPcap(input: Uint8Array): Pcap {
  // A plain copy: Buffer's slice() would share memory, and tests change the records they copy.
  const b = new Uint8Array(input);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = v.getUint32(0, true);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const records: Rec[] = [];
  for (let p = 24; p + 16 <= b.length; ) {
    const caplen = v.getUint32(p + 8, le);
    records.push({ sec: v.getUint32(p, le), frac: v.getUint32(p + 4, le), len: v.getUint32(p + 12, le), data: b.slice(p + 16, p + 16 + caplen) });
    p += 16 + caplen;
  }
  return { linkType: v.getUint32(20, le), snaplen: v.getUint32(16, le), nano, records };
}

export function writePcap(f: Pcap, opts: { bigEndian?: boolean } = {}): Uint8Array {
  const le = !opts.bigEndian;
  const size = 24 + f.records.reduce((n, r) => n + 16 + r.data.length, 0);
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint32(0, f.nano ? 0xa1b23c4d : 0xa1b2c3d4, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  v.setUint32(16, f.snaplen, le);
  v.setUint32(20, f.linkType, le);
  let p = 24;
  for (const r of f.records) {
    v.setUint32(p, r.sec, le);
    v.setUint32(p + 4, r.frac, le);
    v.setUint32(p + 8, r.data.length, le);
    v.setUint32(p + 12, r.len, le);
    b.set(r.data, p + 16);
    p += 16 + r.data.length;
  }
  return b;
}

export interface NgInterface {
  linkType: number;
  snaplen?: number;
  /** if_tsresol's byte (6 = microseconds, 9 = nanoseconds, 0x80|n = 2^-n); absent = default. */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: number;
}

export interface NgPacket {
  iface: number;
  /** Timestamp in the interface's units, as a bigint. */
  ts: bigint;
  len: number;
  data: Uint8Array;
  kind?: 'epb' | 'spb' | 'opb';
}

export interface NgSection {
  bigEndian?: boolean;
  interfaces: NgInterface[];
  packets: NgPacket[];
}

/** A pcapng file: for each section an SHB, its IDBs, then its packets. */
export function writePcapng(sections: NgSection[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const s of sections) {
    const le = !s.bigEndian;
    const block = (type: number, body: Uint8Array) => {
      const padded = (body.length + 3) & ~3;
      const len = 12 + padded;
      const b = new Uint8Array(len);
      const v = new DataView(b.buffer);
      v.setUint32(0, type, le);
      v.setUint32(4, len, le);
      b.set(body, 8);
      v.setUint32(len - 4, len, le);
      blocks.push(b);
    };
    const shb = new Uint8Array(16);
    const sv = new DataView(shb.buffer);
    sv.setUint32(0, 0x1a2b3c4d, le);
    sv.setUint16(4, 1, le);
    sv.setUint16(6, 0, le);
    sv.setBigInt64(8, -1n, le);
    block(0x0a0d0d0a, shb);
    for (const i of s.interfaces) {
      const opts: number[] = [];
      const opt = (code: number, value: Uint8Array) => {
        const h = new Uint8Array(4);
        new DataView(h.buffer).setUint16(0, code, le);
        new DataView(h.buffer).setUint16(2, value.length, le);
        opts.push(...h, ...value, ...new Uint8Array(((value.length + 3) & ~3) - value.length));
      };
      if (i.tsresol !== undefined) opt(9, Uint8Array.of(i.tsresol));
      if (i.tsoffset !== undefined) {
        const t = new Uint8Array(8);
        new DataView(t.buffer).setBigUint64(0, BigInt(i.tsoffset), le);
        opt(14, t);
      }
      if (opts.length) opts.push(0, 0, 0, 0);
      const body = new Uint8Array(8 + opts.length);
      const bv = new DataView(body.buffer);
      bv.setUint16(0, i.linkType, le);
      bv.setUint32(4, i.snaplen ?? 262144, le);
      body.set(opts, 8);
      block(1, body);
    }
    for (const p of s.packets) {
      if (p.kind === 'spb') {
        const body = new Uint8Array(4 + p.data.length);
        new DataView(body.buffer).setUint32(0, p.len, le);
        body.set(p.data, 4);
        block(3, body);
        continue;
      }
      const body = new Uint8Array(20 + p.data.length);
      const bv = new DataView(body.buffer);
      if (p.kind === 'opb') bv.setUint16(0, p.iface, le);
      else bv.setUint32(0, p.iface, le);
      bv.setUint32(4, Number(p.ts >> 32n), le);
      bv.setUint32(8, Number(p.ts & 0xffffffffn), le);
      bv.setUint32(12, p.data.length, le);
      bv.setUint32(16, p.len, le);
      body.set(p.data, 20);
      block(p.kind === 'opb' ? 2 : 6, body);
    }
  }
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of blocks) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

const u16 = (n: number) => [n >> 8, n & 255];
const u32 = (n: number) => [(n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255];

/** Ethernet frame pieces. */
export const ether = {
  type: (f: Uint8Array) => (f[12] << 8) | f[13],
  payload: (f: Uint8Array) => f.subarray(14),
};

/** Linux cooked v1 header in front of the Ethernet payload. */
export function toSll(f: Uint8Array, pkttype = 0): Uint8Array {
  return concat([...u16(pkttype), ...u16(1), ...u16(6)], f.subarray(6, 12), [0, 0], u16(ether.type(f)), ether.payload(f));
}

/** Linux cooked v2 header (interface index, packet type) in front of the Ethernet payload. */
export function toSll2(f: Uint8Array, ifindex: number, pkttype = 0): Uint8Array {
  return concat([...u16(ether.type(f)), 0, 0, ...u32(ifindex), ...u16(1), pkttype, 6], f.subarray(6, 12), [0, 0], ether.payload(f));
}

/** BSD loopback: the address family in little-endian (NULL) or network order (LOOP). */
export function toNull(f: Uint8Array, networkOrder: boolean): Uint8Array {
  const af = ether.type(f) === 0x86dd ? 24 : 2;
  return concat(networkOrder ? u32(af) : [af, 0, 0, 0], ether.payload(f));
}

/** The IP datagram alone. */
export function toRaw(f: Uint8Array): Uint8Array {
  return ether.payload(f).slice();
}

/** The frame with 802.1Q tags (outer first) before its ethertype. */
export function withVlans(f: Uint8Array, tpids: number[]): Uint8Array {
  const tags = tpids.flatMap((t, i) => [...u16(t), ...u16(100 + i)]);
  return concat(f.subarray(0, 12), tags, f.subarray(12));
}


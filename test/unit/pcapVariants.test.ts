// The fixture captures rewritten in every shape the printer reads (byte orders, nanosecond
// files, short snap lengths, other link types, pcapng with its timestamp resolutions, IPv4
// options and tunnels, IPv6 extension headers, every TCP option, fuzzed headers), each
// compared with what Debian's tcpdump prints for the same file.

import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureToText, type PcapPrinterOptions } from '../../src/pcap';
import { fixture, hasFile, rng as random } from './helpers';
import { compare, hasTcpdump, isTcpLine, packets, tcpdumpText } from './pcapOracle';
import { readPcap, toNull, toRaw, toSll, toSll2, withVlans, writePcap, writePcapng, type NgPacket, type Pcap, type Rec } from './pcapFiles';

const FIXTURES = readdirSync(fixture('captures'))
  .map((d) => fixture('captures', d, 'capture.pcap'))
  .filter(hasFile);
const load = (name: string) => readPcap(readFileSync(fixture('captures', name, 'capture.pcap')));
const ALL: Rec[] = FIXTURES.flatMap((f) => readPcap(readFileSync(f)).records);
const V4 = ALL.filter((r) => r.data[12] === 0x08 && r.data[13] === 0x00);
const V6 = ALL.filter((r) => r.data[12] === 0x86 && r.data[13] === 0xdd);

/** Interface names as tcpdump finds them on this host (Linux); tcpdump prints these for SLL2. */
function hostInterfaces(): (i: number) => string | undefined {
  const names = new Map<number, string>();
  try {
    for (const n of readdirSync('/sys/class/net')) names.set(Number(readFileSync(`/sys/class/net/${n}/ifindex`, 'utf8')), n);
  } catch {
    /* not Linux */
  }
  return (i) => names.get(i);
}

let dir = '';
let serial = 0;

/** Writes the bytes to a file, prints them with tcpdump and here, and compares the TCP lines. */
function check(bytes: Uint8Array, opts: { exact?: boolean; extra?: string[]; printer?: Omit<PcapPrinterOptions, 'onData'>; minTcp?: number } = {}): { mine: string; theirs: string } {
  const file = join(dir, `v${serial++}.cap`);
  writeFileSync(file, bytes);
  let theirs: string;
  try {
    theirs = tcpdumpText(file, opts.extra ?? []);
  } catch (e) {
    theirs = String((e as { stdout?: string }).stdout ?? '');
  }
  const mine = captureToText(bytes, { interfaceName: hostInterfaces(), ...opts.printer }).text;
  if (opts.exact && mine !== theirs) {
    const a = mine.split('\n');
    const b = theirs.split('\n');
    const i = a.findIndex((l, k) => l !== b[k]);
    assert.fail(`${file} line ${i + 1} differs:\n  tcpdump: ${b[i]}\n  printed: ${a[i]}`);
  }
  const c = compare(theirs, mine);
  assert.deepEqual(
    c.mismatches.map((m) => `packet ${m.packet}\n  tcpdump: ${m.tcpdump}\n  printed: ${m.mine}`),
    [],
  );
  assert.equal(c.notDecoded.size, 0, [...c.notDecoded.keys()].join());
  assert.ok(c.tcpLines >= (opts.minTcp ?? 1), `only ${c.tcpLines} TCP lines in ${file}: ${theirs.slice(0, 300)}`);
  return { mine, theirs };
}

const ethPcap = (records: Rec[], extra: Partial<Pcap> = {}): Pcap => ({ linkType: 1, snaplen: 262144, nano: false, records, ...extra });

describe('pcap: variants of the fixtures against tcpdump', function () {
  before(function () {
    if (!hasTcpdump()) {
      console.log('      (tcpdump is not installed: skipped; CI installs it)');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'tcp-trace-pcap-'));
  });
  after(() => {
    if (dir) if (!process.env.KEEP_PCAP_TMP) rmSync(dir, { recursive: true, force: true });
  });

  it('reads big-endian pcap files', () => {
    for (const f of FIXTURES) check(writePcap(readPcap(readFileSync(f)), { bigEndian: true }), { exact: true });
  });

  it('prints nanosecond files with microseconds by default, and nanoseconds with the nano option', () => {
    const p = load('sample');
    const nano: Pcap = { ...p, nano: true, records: p.records.map((r, i) => ({ ...r, frac: r.frac * 1000 + (i * 137) % 1000 })) };
    const bytes = writePcap(nano);
    check(bytes, { exact: true });
    check(bytes, { exact: true, extra: ['--nano'], printer: { nano: true } });
    check(writePcap(p), { exact: true, extra: ['--nano'], printer: { nano: true } });
  });

  it('marks fields beyond a short snap length the way tcpdump does', () => {
    const cuts = [1, 10, 13, 14, 15, 16, 18, 20, 24, 30, 33, 34, 35, 36, 38, 40, 44, 46, 47, 48, 50, 53, 54, 55, 56, 58, 60, 62, 64, 66, 68, 70, 74, 76, 78, 80, 86, 90, 94, 96, 100, 120];
    const records = [...V4, ...V6].flatMap((r) => cuts.filter((k) => k < r.data.length).map((k) => ({ ...r, data: r.data.slice(0, k) })));
    check(writePcap(ethPcap(records, { snaplen: 65535 })), { minTcp: 1000 });
    // The file header's snap length also cuts records that are longer.
    check(writePcap(ethPcap(ALL, { snaplen: 60 })), { minTcp: 400 });
  });

  it('reads Linux cooked v1 and v2 (tcpdump -i any), BSD loopback and raw IP', () => {
    const recs = (f: (d: Uint8Array, i: number) => Uint8Array) => [...V4, ...V6].map((r, i) => ({ ...r, data: f(r.data, i), len: r.len - 14 + f(r.data, i).length - (r.data.length - 14) }));
    check(writePcap(ethPcap(recs((d, i) => toSll(d, i % 5)), { linkType: 113 })), { exact: true });
    check(writePcap(ethPcap(recs((d, i) => toSll2(d, [1, 2, 999][i % 3], [0, 1, 2, 3, 4, 7][i % 6])), { linkType: 276 })), { exact: true });
    check(writePcap(ethPcap(recs((d) => toNull(d, false)), { linkType: 0 })), { exact: true });
    check(writePcap(ethPcap(recs((d) => toNull(d, true)), { linkType: 108 })), { exact: true });
    check(writePcap(ethPcap(recs(toRaw), { linkType: 101 })), { exact: true });
    check(writePcap(ethPcap(recs(toRaw), { linkType: 12 })), { exact: true });
    check(writePcap(ethPcap(V4.map((r) => ({ ...r, data: toRaw(r.data), len: r.len - 14 })), { linkType: 228 })), { exact: true });
    check(writePcap(ethPcap(V6.map((r) => ({ ...r, data: toRaw(r.data), len: r.len - 14 })), { linkType: 229 })), { exact: true });
  });

  it('reads 802.1Q and QinQ tags, PPP and MPLS', () => {
    const tagged = (tpids: number[]) => [...V4, ...V6].map((r) => ({ ...r, data: withVlans(r.data, tpids), len: r.len + 4 * tpids.length }));
    check(writePcap(ethPcap(tagged([0x8100]))), { exact: true });
    check(writePcap(ethPcap(tagged([0x88a8, 0x8100]))), { exact: true });
    check(writePcap(ethPcap(tagged([0x9100]))), { exact: true });
    const sllVlan = V4.map((r) => {
      const d = toSll(withVlans(r.data, [0x8100]));
      // toSll copies the outer ethertype; the tag and the inner type follow it.
      return { ...r, data: d, len: d.length };
    });
    check(writePcap(ethPcap(sllVlan, { linkType: 113 })), { exact: true });
    const ppp = [...V4, ...V6].map((r, i) => {
      const v6 = r.data[12] === 0x86;
      const head = i % 2 ? [0xff, 0x03] : [];
      const d = Uint8Array.from([...head, 0x00, v6 ? 0x57 : 0x21, ...toRaw(r.data)]);
      return { ...r, data: d, len: d.length };
    });
    check(writePcap(ethPcap(ppp, { linkType: 9 })), { exact: true });
    const mpls = [...V4, ...V6].map((r, i) => {
      const labels = i % 3 === 0 ? [[0x00, 0x01, 0x01, 0x40]] : i % 3 === 1 ? [[0x00, 0x02, 0x00, 0x40], [0x00, 0x00, 0x01 | (r.data[12] === 0x86 ? 0x20 : 0), 0x3f]] : [[0x12, 0x34, 0x57, 0xff]];
      const d = Uint8Array.from([...r.data.subarray(0, 12), 0x88, 0x47, ...labels.flat(), ...r.data.subarray(14)]);
      return { ...r, data: d, len: d.length };
    });
    check(writePcap(ethPcap(mpls)), { exact: true });
  });

  it('reads pcapng: both byte orders, if_tsresol, if_tsoffset, several interfaces, EPB, SPB and OPB', () => {
    const p = load('sample');
    const us = (r: Rec) => BigInt(r.sec) * 1000000n + BigInt(r.frac);
    const inUnits = (r: Rec, resol: number | undefined) => {
      if (resol === undefined) return us(r);
      const perSec = resol & 0x80 ? 1n << BigInt(resol & 0x7f) : 10n ** BigInt(resol);
      return (us(r) * perSec) / 1000000n + (perSec > 1000000n ? BigInt(Number(us(r) % 997n)) : 0n);
    };
    for (const bigEndian of [false, true]) {
      for (const resol of [undefined, 6, 9, 3, 0x80 | 20, 0x80 | 30, 0x80 | 10, 0]) {
        const packetsOf = (iface: number): NgPacket[] => p.records.map((r) => ({ iface, ts: inUnits(r, resol), len: r.len, data: r.data }));
        check(writePcapng([{ bigEndian, interfaces: [{ linkType: 1, tsresol: resol }], packets: packetsOf(0) }]), { exact: true });
      }
      // Two interfaces with their own resolutions; packets alternate between them.
      const two: NgPacket[] = p.records.map((r, i) => ({ iface: i % 2, ts: inUnits(r, i % 2 ? 9 : undefined), len: r.len, data: r.data }));
      check(writePcapng([{ bigEndian, interfaces: [{ linkType: 1 }, { linkType: 1, tsresol: 9 }], packets: two }]), { exact: true });
      // Offsets, obsolete packet blocks and simple packet blocks (which have no time stamp).
      const mixed: NgPacket[] = p.records.map((r, i) => ({ iface: 0, ts: us(r) - 1000000000n * 1000000n, len: r.len, data: r.data, kind: i % 3 === 0 ? 'spb' : i % 3 === 1 ? 'opb' : 'epb' }));
      check(writePcapng([{ bigEndian, interfaces: [{ linkType: 1, tsoffset: 1000000000 }], packets: mixed }]), { exact: true });
    }
    // A second section starts over with its own interfaces.
    const half = Math.floor(p.records.length / 2);
    const sec = (recs: Rec[]): NgPacket[] => recs.map((r) => ({ iface: 0, ts: us(r), len: r.len, data: r.data }));
    check(writePcapng([{ interfaces: [{ linkType: 1 }], packets: sec(p.records.slice(0, half)) }, { interfaces: [{ linkType: 1 }], packets: sec(p.records.slice(half)) }]), { exact: true });
  });

  it('reads IPv4 options, fragments, odd lengths and IP-in-IP tunnels', () => {
    const out: Rec[] = [];
    for (const r of V4.slice(0, 120)) {
      const d = r.data;
      const ip = d.subarray(14);
      const hl = (ip[0] & 15) * 4;
      const totalLen = (ip[2] << 8) | ip[3];
      const withOpts = (opts: number[]) => {
        const n = Uint8Array.from([...d.subarray(0, 14), 0x40 | ((20 + opts.length) / 4), ...ip.subarray(1, 20), ...opts, ...ip.subarray(hl)]);
        const l = totalLen + opts.length;
        n[16] = l >> 8;
        n[17] = l & 255;
        return n;
      };
      out.push({ ...r, data: withOpts([1, 1, 1, 0]) });
      out.push({ ...r, data: withOpts([0x94, 4, 0, 0, 7, 11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 0]) });
      const tweak = (f: (x: Uint8Array) => void) => {
        const n = d.slice();
        f(n.subarray(14));
        out.push({ ...r, data: n });
      };
      tweak((x) => (x[6] |= 0x20)); // more fragments
      tweak((x) => (x[7] = 0x10)); // a later fragment
      tweak((x) => ((x[2] = 0), (x[3] = 30))); // shorter than the headers
      tweak((x) => ((x[2] = 0), (x[3] = 10))); // shorter than the IP header
      tweak((x) => ((x[2] = 0x0f), (x[3] = 0xff))); // longer than the frame
      tweak((x) => (x[0] = 0x44)); // header length 16
      tweak((x) => (x[0] = 0x65)); // version 6 in an IPv4 frame
      // IPv4 and IPv6 in IPv4.
      for (const inner of [ip.subarray(0, totalLen), V6[0] ? toRaw(V6[0].data) : null]) {
        if (!inner) continue;
        const outer = Uint8Array.from([0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, inner[0] >> 4 === 6 ? 41 : 4, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        const l = 20 + inner.length;
        outer[2] = l >> 8;
        outer[3] = l & 255;
        out.push({ ...r, data: Uint8Array.from([...d.subarray(0, 14), ...outer, ...inner]), len: 14 + l });
      }
    }
    for (const r of out) r.len = Math.max(r.len, r.data.length);
    check(writePcap(ethPcap(out)), { exact: true, minTcp: 600 });
  });

  it('reads IPv6 extension headers: hop-by-hop, destination, routing, fragments, jumbograms', () => {
    const out: Rec[] = [];
    const HBH = 0;
    const DST = 60;
    const RT = 43;
    const FRAG = 44;
    for (const r of V6) {
      const d = r.data;
      const ip6 = d.subarray(14, 54);
      const payload = d.subarray(54);
      /** Inserts extension headers (type, body without next-header byte) before the payload. */
      const chain = (exts: [number, number[]][], fix?: (n: Uint8Array) => void) => {
        const parts: number[] = [];
        for (let i = 0; i < exts.length; i++) parts.push(i + 1 < exts.length ? exts[i + 1][0] : ip6[6], ...exts[i][1]);
        const n = Uint8Array.from([...d.subarray(0, 14), ...ip6, ...parts, ...payload]);
        n[14 + 6] = exts.length ? exts[0][0] : ip6[6];
        const plen = parts.length + payload.length;
        n[18] = plen >> 8;
        n[19] = plen & 255;
        fix?.(n);
        out.push({ ...r, data: n, len: n.length });
      };
      const pad = (n: number) => (n === 1 ? [0] : [1, n - 2, ...new Array(n - 2).fill(0)]);
      const addr = [...ip6.subarray(8, 24)];
      chain([[HBH, [0, ...pad(6)]]]);
      chain([[HBH, [0, 5, 2, 0, 0, ...pad(2)]]]); // router alert
      chain([[HBH, [0, 5, 3, 0, 0, 0, 0]]]); // router alert with a bad length
      chain([[DST, [0, ...pad(6)]]]);
      chain([[HBH, [0, ...pad(6)]], [DST, [1, ...pad(14)]]]);
      chain([[DST, [0, ...pad(6)]], [HBH, [0, ...pad(6)]]]); // hop-by-hop not first
      chain([[HBH, [0, ...pad(6)]], [HBH, [0, ...pad(6)]]]); // twice
      chain([[RT, [2, 0, 1, 0, 0, 0, 0, ...addr]]]); // type 0
      chain([[RT, [2, 2, 1, 0, 0, 0, 0, ...addr]]]); // type 2
      chain([[RT, [2, 4, 0, 0, 0, 0, 0x12, ...addr]]]); // segment routing
      chain([[RT, [1, 0, 1, 0, 0, 0, 0]]]); // odd length
      chain([[RT, [0, 9, 1, 0, 0, 0, 0]]]); // unknown type
      chain([[FRAG, [0, 0, 0, 0, 0, 0, 1]]]); // first fragment
      chain([[FRAG, [0, 0x05, 0xa9, 0, 0, 0, 1]]]); // a later fragment
      chain([[HBH, [0, ...pad(6)]], [FRAG, [0, 0, 1, 0, 0, 0, 2]]]);
      // Payload length 0: a jumbogram without (and with) its hop-by-hop option.
      chain([], (n) => ((n[18] = 0), (n[19] = 0)));
      chain([[HBH, [0, 0xc2, 4, 0, 1, 0, 0]]], (n) => ((n[18] = 0), (n[19] = 0)));
      chain([[HBH, [0, 0xc2, 4, 0, 0, 0, 0]]], (n) => ((n[18] = 0), (n[19] = 0)));
      // Truncated extension header, payload length shorter than the headers.
      chain([[DST, [3, ...pad(6)]]]);
      chain([[DST, [0, ...pad(6)]]], (n) => ((n[18] = 0), (n[19] = 4)));
    }
    check(writePcap(ethPcap(out)), { exact: true, minTcp: 100 });
  });

  it('prints every kind of TCP option, well-formed or not, as tcpdump does', () => {
    const syn = V4.find((r) => r.data[14 + 20 + 13] === 0x02)!;
    const ack = V4.find((r) => r.data[14 + 20 + 13] === 0x10 && r.data.length === 66)!;
    const data = V4.find((r) => r.data[14 + 20 + 13] === 0x18)!;
    const options: number[][] = [
      [2, 4, 5, 0xb4], [3, 3, 7], [4, 2], [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2],
      [1, 1, 5, 10, 0, 0, 0, 10, 0, 0, 0, 20], [1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40], [5, 7, 1, 2, 3, 4, 5, 0],
      [6, 6, 0, 0, 1, 0], [7, 6, 0, 0, 2, 0], [11, 6, 0, 0, 0, 9], [12, 6, 0, 0, 0, 9], [13, 6, 0, 0, 0, 9],
      [19, 18, ...new Array(16).fill(0xab)], [20, 4, 0x1f, 3], [20, 3, 1], [28, 4, 0x80, 0x21], [28, 4, 0x00, 0x20],
      [29, 4, 1, 2], [29, 8, 1, 2, 3, 4, 5, 6], [29, 3, 1],
      [34, 2], [34, 10, 1, 2, 3, 4, 5, 6, 7, 8], [34, 5, 1, 2, 3], [254, 4, 0xf9, 0x89], [254, 12, 0xf9, 0x89, 1, 2, 3, 4, 5, 6, 7, 8], [254, 4, 0xac, 0xc0], [254, 3, 0xf9],
      [30, 4, 0x00, 0x81], [30, 12, 0x01, 0x00, 1, 2, 3, 4, 5, 6, 7, 8], [30, 20, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 8, 7, 6, 5, 4, 3, 2, 1],
      [30, 12, 0x11, 3, 0, 0, 0, 1, 0, 0, 0, 2], [30, 16, 0x10, 3, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 9], [30, 24, 0x10, 0, ...new Array(20).fill(0x5a)],
      [30, 8, 0x20, 0x01, 0, 0, 0, 5], [30, 12, 0x20, 0x03, 1, 2, 3, 4, 5, 6, 7, 8], [30, 20, 0x20, 0x15, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 4, 0x12, 0x34],
      [30, 18, 0x20, 0x1f, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 2, 0, 4], [30, 5, 0x20, 0x01, 0],
      [30, 8, 0x30, 5, 10, 0, 0, 1], [30, 10, 0x34, 5, 10, 0, 0, 1, 0x1f, 0x90], [30, 16, 0x30, 5, 10, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8],
      [30, 20, 0x36, 5, ...new Array(16).fill(0).map((_, i) => (i === 15 ? 1 : 0))], [30, 22, 0x31, 5, ...new Array(16).fill(0x20), 0, 80],
      [30, 6, 0x40, 1, 2, 3], [30, 3, 0x51], [30, 4, 0x50, 7], [30, 12, 0x60, 0, 0, 0, 0, 1, 0, 0, 0, 2], [30, 12, 0x70, 0, 1, 2, 3, 4, 5, 6, 7, 8], [30, 3, 0x80], [30, 2],
      [0], [0, 1, 1, 1], [1, 0, 2, 4, 5, 0xb4], [2, 6, 5, 0xb4, 1, 1], [4, 4, 1, 1], [2, 1], [2, 40], [99, 2], [99, 5, 1, 2, 3], [253, 4, 0xde, 0xad],
    ];
    const out: Rec[] = [];
    const withOptions = (r: Rec, opts: number[], flags?: number) => {
      const d = r.data;
      const ip = d.subarray(14);
      const tcp = ip.subarray(20);
      const thl = (tcp[12] >> 4) * 4;
      const totalLen = (ip[2] << 8) | ip[3];
      const payload = tcp.subarray(thl, totalLen - 20);
      const padded = [...opts, ...new Array((4 - (opts.length % 4)) % 4).fill(0)];
      const t = Uint8Array.from([...tcp.subarray(0, 20), ...padded, ...payload]);
      t[12] = ((20 + padded.length) / 4) << 4;
      if (flags !== undefined) t[13] = flags;
      const n = Uint8Array.from([...d.subarray(0, 14), ...ip.subarray(0, 20), ...t]);
      const l = 20 + t.length;
      n[16] = l >> 8;
      n[17] = l & 255;
      return { ...r, data: n, len: n.length };
    };
    for (const o of options) for (const [r, f] of [[syn, undefined], [ack, undefined], [data, undefined], [syn, 0x12], [ack, 0x19]] as const) out.push(withOptions(r, o, f));
    // Several options together, and options cut short by the snap length.
    for (let i = 0; i + 2 < options.length; i++) out.push(withOptions(data, [...options[i], ...options[i + 1], ...options[i + 2]].slice(0, 40)));
    for (const o of options) {
      const full = withOptions(ack, o);
      for (const cut of [55, 56, 58, 60, 62, 64]) if (cut < full.data.length) out.push({ ...full, data: full.data.slice(0, cut) });
    }
    check(writePcap(ethPcap(out)), { exact: true, minTcp: 500 });
  });

  it('prints the first line of HTTP, RTSP, FTP, SMTP and WHOIS payloads and SSH banners as tcpdump does', () => {
    const data = V4.find((r) => r.data[14 + 20 + 13] === 0x18)!;
    const enc = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
    const payloads = [
      'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'get /lower HTTP/1.0\n', 'HTTP/1.1 200 OK\r\n', 'HTTP/1.1 404\r\n', 'HTTP/1.1 2000 Long\r\n', 'XYZ / HTTP/1.1\r\n',
      'GET /no-line-end', 'GET / HTTP/1.1\r', 'GET /\rx\n', 'GET /\x01bin\r\n', 'GET\t/tab\tHTTP/1.1\r\n', '\r\n', ' GET / HTTP/1.1\r\n', 'A'.repeat(130) + ' 200 x\r\n',
      'SSH-2.0-OpenSSH_9.6\r\n', 'SSH-2.0-x\n', 'SSH-2.0-partial', 'SSH', 'SSX-2.0\r\n', 'DESCRIBE rtsp://x RTSP/1.0\r\n', 'RTSP/1.0 200 OK\r\n',
      '220 ftp ready\r\n', 'USER anonymous\r\n', 'EHLO example.org\r\n', 'whois-query\r\n', 'caf\xe9 \r\n',
    ];
    const build = (ports: number[]) => {
      const out: Rec[] = [];
      for (const port of ports) {
        for (const text of payloads) {
          const d = data.data;
          const ip = d.subarray(14);
          const thl = (ip[20 + 12] >> 4) * 4;
          const body = enc(text);
          const n = Uint8Array.from([...d.subarray(0, 14 + 20 + thl), ...body]);
          const l = 20 + thl + body.length;
          n[16] = l >> 8;
          n[17] = l & 255;
          n[14 + 22] = port >> 8;
          n[14 + 23] = port & 255;
          out.push({ ...data, data: n, len: n.length });
          // The same payload cut by the snap length.
          out.push({ ...data, data: n.slice(0, 14 + 20 + thl + Math.floor(body.length / 2)), len: n.length });
        }
      }
      return writePcap(ethPcap(out));
    };
    check(build([80, 8080, 554, 8554, 21, 25, 43, 22, 9999]), { exact: true, minTcp: 400 });
    // Ports whose payload tcpdump decodes further (Telnet, BGP, NFS, DNS, ...): equal up to "length N".
    const { mine } = check(build([23, 179, 2049, 53, 139, 6633]), { minTcp: 300 });
    assert.ok(captureToText(build([179])).summary.appOmitted > 0);
    assert.ok(mine.includes('length 27\n'));
  });

  it('matches tcpdump on thousands of fuzzed TCP and IP headers', function () {
    this.timeout(60_000);
    const r = random(20240501);
    const out: Rec[] = [];
    for (let k = 0; k < 6000; k++) {
      const src = ALL[Math.floor(r() * ALL.length)];
      const d = src.data.slice();
      const v6 = d[12] === 0x86;
      const l3 = 14;
      const l4 = v6 ? 54 : 14 + (d[14] & 15) * 4;
      const mutations = 1 + Math.floor(r() * 4);
      for (let m = 0; m < mutations; m++) {
        const where = r();
        // Mostly the TCP header and options; sometimes the IP header.
        const pos = where < 0.8 ? l4 + Math.floor(r() * Math.min(60, d.length - l4)) : l3 + Math.floor(r() * (l4 - l3));
        d[pos] = r() < 0.3 ? [0, 1, 2, 5, 8, 30, 34, 254, 255][Math.floor(r() * 9)] : Math.floor(r() * 256);
      }
      const cut = r() < 0.2 ? Math.max(1, Math.floor(r() * d.length)) : d.length;
      out.push({ ...src, data: d.slice(0, cut), len: Math.max(src.len, cut) });
    }
    const { theirs } = check(writePcap(ethPcap(out)), { minTcp: 3000 });
    // The fuzzed lines include tcpdump's markers for broken headers.
    const tcp = packets(theirs).map((p) => p[0]).filter(isTcpLine);
    assert.ok(tcp.some((l) => l.includes('[bad opt]')));
    assert.ok(tcp.some((l) => l.includes('[|tcp]')));
    assert.ok(tcp.some((l) => l.includes('[bad hdr length')));
  });
});

// Interned endpoints: each distinct `addr.port` as printed gets a small integer id, so a
// packet stores two ints instead of two strings. Numeric IPv4 endpoints are keyed by number,
// which avoids building a string on the hot path.

import { IntPairMap } from './intmap';
import { text } from './scan';

/** Well-known service names tcpdump prints without -n, mapped to their ports (for role inference). */
const SERVICES: Record<string, number> = {
  ftp: 21, 'ftp-data': 20, ssh: 22, telnet: 23, smtp: 25, domain: 53, http: 80, pop3: 110, sunrpc: 111,
  nntp: 119, 'netbios-ssn': 139, imap: 143, imap2: 143, bgp: 179, ldap: 389, https: 443, microsoft_ds: 445,
  'microsoft-ds': 445, submission: 587, ldaps: 636, imaps: 993, pop3s: 995, mysql: 3306, postgresql: 5432,
  'http-alt': 8080, webcache: 8080, redis: 6379, 'x11': 6000, rsync: 873, nfs: 2049, socks: 1080,
};

export class Endpoints {
  /** As printed: `addr.port`. */
  readonly names: string[] = [];
  /** The port as a number, or NaN for a service name not in the table. */
  readonly ports: number[] = [];
  /** Offset of the port within the name. */
  readonly dots: number[] = [];
  /** Numeric IPv4 endpoints by (address, port). */
  private readonly byNumber = new IntPairMap();
  private readonly byText = new Map<string, number>();

  /** Id of the endpoint b[s..e) whose address/port separator is at `dot`. */
  intern(b: Uint8Array, s: number, e: number, dot: number): number {
    if (numericKey(b, s, e, dot)) return this.internIpv4(keyIp, keyPort, b, s, e, dot);
    const name = decode(b, s, e);
    let id = this.byText.get(name);
    if (id === undefined) {
      const port = name.slice(dot - s + 1);
      const n = /^\d+$/.test(port) ? Number(port) : (SERVICES[port] ?? NaN);
      id = this.add(name, dot - s, n);
      this.byText.set(name, id);
    }
    return id;
  }

  /**
   * Id of the numeric IPv4 endpoint b[s..e) already read as (ip, port). An empty b[s..e) (a
   * capture's packet, which has no text) names a new endpoint as tcpdump prints it.
   */
  internIpv4(ip: number, port: number, b: Uint8Array, s: number, e: number, dot: number): number {
    let id = this.byNumber.get(ip, port);
    if (id < 0) {
      if (e > s) id = this.add(text(b, s, e), dot - s, port);
      else {
        const addr = `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
        id = this.add(`${addr}.${port}`, addr.length, port);
      }
      this.byNumber.set(ip, port, id);
    }
    return id;
  }

  /** Adds an endpoint numbered elsewhere (see PacketKeys); it is not looked up by name here. */
  adopt(name: string, dot: number, port: number): void {
    this.add(name, dot, port);
  }

  private add(name: string, dot: number, port: number): number {
    this.names.push(name);
    this.ports.push(port);
    this.dots.push(dot);
    return this.names.length - 1;
  }

  addr(id: number): string {
    return this.names[id].slice(0, this.dots[id]);
  }

  port(id: number): string {
    return this.names[id].slice(this.dots[id] + 1);
  }
}

/** The address and port numericKey read. */
let keyIp = 0;
let keyPort = 0;

/** Reads a.b.c.d.port into keyIp (as a 32-bit number) and keyPort; false if not numeric IPv4. */
function numericKey(b: Uint8Array, s: number, e: number, dot: number): boolean {
  let ip = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = s; i < dot; i++) {
    const c = b[i];
    if (c === 46) {
      if (digits === 0 || octet > 255) return false;
      ip = ip * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      octet = octet * 10 + (c - 48);
      digits++;
    } else return false;
  }
  if (dots !== 3 || digits === 0 || octet > 255) return false;
  ip = ip * 256 + octet;
  let port = 0;
  if (e - dot - 1 < 1 || e - dot - 1 > 5) return false;
  for (let i = dot + 1; i < e; i++) {
    const c = b[i];
    if (c < 48 || c > 57) return false;
    port = port * 10 + (c - 48);
  }
  if (port > 65535) return false;
  keyIp = ip;
  keyPort = port;
  return true;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Host names may hold UTF-8; everything else tcpdump prints is ASCII. */
function decode(b: Uint8Array, s: number, e: number): string {
  for (let i = s; i < e; i++) if (b[i] >= 128) return utf8.decode(b.subarray(s, e));
  return text(b, s, e);
}

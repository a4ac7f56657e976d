// TCP's flags, one table: the engine's bit for each (Flag), the letter tcpdump prints for it,
// its bit in the TCP header, and its name. The scanner, the tcpdump 3.x reader, the pcap
// printer, the JSON and the views all read this table. No imports: pcap uses it too.

/** The engine's flag bits, with two for what the text left out. */
export enum Flag {
  FIN = 1,
  SYN = 2,
  RST = 4,
  PSH = 8,
  ACK = 16,
  URG = 32,
  ECE = 64,
  CWR = 128,
  AE = 256,
  /** tcpdump -q prints no flags at all. */
  UNKNOWN = 512,
  /** The seq (ack) is relative to a base tcpdump never printed, so not absolute. */
  SEQ_RELATIVE = 1024,
  ACK_RELATIVE = 2048,
}

export interface TcpFlag {
  flag: Flag;
  /** What tcpdump prints inside `Flags [...]`. */
  letter: string;
  /** The bit in the TCP header's flags (AE is the lowest reserved bit, 0x100). */
  wire: number;
  name: string;
}

/** In the order the JSON and the views spell a flag set (SYN first, ACK's '.' last). */
export const TCP_FLAGS: readonly TcpFlag[] = [
  { flag: Flag.SYN, letter: 'S', wire: 0x02, name: 'SYN' },
  { flag: Flag.FIN, letter: 'F', wire: 0x01, name: 'FIN' },
  { flag: Flag.RST, letter: 'R', wire: 0x04, name: 'RST' },
  { flag: Flag.PSH, letter: 'P', wire: 0x08, name: 'PSH' },
  { flag: Flag.URG, letter: 'U', wire: 0x20, name: 'URG' },
  { flag: Flag.CWR, letter: 'W', wire: 0x80, name: 'CWR' },
  { flag: Flag.ECE, letter: 'E', wire: 0x40, name: 'ECE' },
  { flag: Flag.AE, letter: 'e', wire: 0x100, name: 'AE' },
  { flag: Flag.ACK, letter: '.', wire: 0x10, name: 'ACK' },
];

/** The Flag of each letter's character code (0: not a flag letter), for the scanners' loops. */
export const FLAG_OF_LETTER = new Uint16Array(256);
for (const f of TCP_FLAGS) FLAG_OF_LETTER[f.letter.charCodeAt(0)] = f.flag;

/** The Flag set of each TCP header flag byte: what the scanner reads from its printed letters. */
export const FLAG_OF_WIRE = new Uint16Array(256);
for (let byte = 0; byte < 256; byte++) for (const f of TCP_FLAGS) if (byte & f.wire) FLAG_OF_WIRE[byte] |= f.flag;

/** The letters tcpdump prints for header flag bits 0..7, lowest first (its own order). */
export const WIRE_LETTERS = Array.from({ length: 8 }, (_, i) => TCP_FLAGS.find((f) => f.wire === 1 << i)!.letter).join('');

/** Flag names by letter: `S` -> `SYN`. */
export const FLAG_NAME_OF_LETTER: Readonly<Record<string, string>> = Object.fromEntries(TCP_FLAGS.map((f) => [f.letter, f.name]));

/** tcpdump's flag letters for a flag set, in TCP_FLAGS order; '' for -q, 'none' for none. */
export function flagString(f: number): string {
  if (f & Flag.UNKNOWN) return '';
  let s = '';
  for (const x of TCP_FLAGS) if (f & x.flag) s += x.letter;
  return s === '' ? 'none' : s;
}

// JSON written as UTF-8 bytes into chunks, for output that goes to a stream as bytes: no
// string per piece for the collector, and no encoding of the whole text at the end. Every
// value is written as JSON.stringify writes it.

const encoder = new TextEncoder();

/** Text as UTF-8 bytes, for keys and names encoded once and copied many times. */
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** Names as JSON strings, in bytes. */
export const quoted = (names: readonly string[]): Uint8Array[] => names.map((n) => utf8(JSON.stringify(n)));

const QUOTE = 34;
const BACKSLASH = 92;
/** JSON's null. */
export const NULL = utf8('null');
/** Room kept beyond the chunk's size, so most writes past it need no bigger chunk. */
const SLACK = 4096;

export class JsonBytes {
  private buf: Uint8Array;
  private pos = 0;

  /** Chunks of about `size` bytes: the caller takes one when `length` reaches it. */
  constructor(private readonly size = 1 << 16) {
    this.buf = new Uint8Array(size + SLACK);
  }

  /** Bytes written since the last take(). */
  get length(): number {
    return this.pos;
  }

  /**
   * The bytes written since the last take(). The writer goes on in a new chunk: a stream may
   * still hold this one when the next is written.
   */
  take(): Uint8Array {
    const out = this.buf.subarray(0, this.pos);
    this.buf = new Uint8Array(this.size + SLACK);
    this.pos = 0;
    return out;
  }

  /** Room for n more bytes. */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.pos + n, this.buf.length * 2));
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
  }

  /** Bytes as they are: a key, punctuation, a name encoded once. */
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.room(n);
    const buf = this.buf;
    const p = this.pos;
    // set() is a copy in native code, but costs more than a loop below about 8 bytes.
    if (n > 8) buf.set(b, p);
    else for (let i = 0; i < n; i++) buf[p + i] = b[i];
    this.pos = p + n;
  }

  /** One ASCII character by its code. */
  byte(c: number): void {
    this.room(1);
    this.buf[this.pos++] = c;
  }

  /** A number as JSON.stringify writes it: null where not finite. */
  number(v: number): void {
    if ((v | 0) === v) this.int(v);
    else if (v - v !== 0) this.bytes(NULL);
    else if (!this.micros(v)) this.ascii('' + v);
  }

  /**
   * v's digits when it is a whole number of millionths under 10^9, as the trace's times and
   * milliseconds are (false otherwise, writing nothing). That is JavaScript's own shortest text
   * for it: doubles under 10^9 lie closer together than a millionth, so no shorter decimal
   * reads back as v. Cheaper than making a string of each.
   */
  private micros(v: number): boolean {
    const a = v < 0 ? -v : v;
    if (!(a >= 1e-6 && a < 1e9)) return false;
    const k = Math.round(a * 1e6);
    if (k / 1e6 !== a) return false;
    const whole = Math.floor(k / 1e6);
    let frac = (k - whole * 1e6) | 0;
    if (frac === 0) return false;
    if (v < 0) this.byte(45);
    this.int(whole);
    let digits = 6;
    while (frac % 10 === 0) {
      frac /= 10;
      digits--;
    }
    this.room(digits + 1);
    const buf = this.buf;
    const p = this.pos;
    buf[p] = 46;
    for (let i = digits; i > 0; i--) {
      const q = (frac / 10) | 0;
      buf[p + i] = 48 + frac - q * 10;
      frac = q;
    }
    this.pos = p + digits + 1;
    return true;
  }

  /** A 32-bit integer's digits. */
  private int(v: number): void {
    this.room(11);
    const buf = this.buf;
    let p = this.pos;
    // As an int32 the divisions below are integer ones, not floating-point.
    let n = v | 0;
    if (n < 0) {
      // -2^31 has no 32-bit negation.
      if (n === -2147483648) return this.ascii('' + n);
      buf[p++] = 45;
      n = -n;
    }
    let digits = 1;
    for (let m = n; m >= 10; m = (m / 10) | 0) digits++;
    p += digits;
    this.pos = p;
    do {
      const q = (n / 10) | 0;
      buf[--p] = 48 + n - q * 10;
      n = q;
    } while (n > 0);
  }

  /** Text known to be ASCII with nothing to escape (a number's text). */
  private ascii(text: string): void {
    const n = text.length;
    this.room(n);
    const buf = this.buf;
    const p = this.pos;
    for (let i = 0; i < n; i++) buf[p + i] = text.charCodeAt(i);
    this.pos = p + n;
  }

  /** JSON text as it is (made by JSON.stringify), in UTF-8. */
  text(json: string): void {
    // Into the room there is; a bigger chunk only for what does not fit.
    let rest = json;
    for (;;) {
      const { read, written } = encoder.encodeInto(rest, this.buf.subarray(this.pos));
      this.pos += written;
      if (read === rest.length) return;
      rest = rest.slice(read);
      this.room(rest.length * 3);
    }
  }

  /** text[from..to) as a JSON string, quoted and escaped. */
  string(text: string, from = 0, to = text.length): void {
    this.room(to - from + 2);
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    buf[p++] = QUOTE;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c >= 0x80 || c === QUOTE || c === BACKSLASH) {
        // Escapes and UTF-8 are rare here (addresses, names): JSON.stringify writes them.
        this.pos = start;
        return this.text(JSON.stringify(text.slice(from, to)));
      }
      buf[p++] = c;
    }
    buf[p++] = QUOTE;
    this.pos = p;
  }
}

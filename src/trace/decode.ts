// Turns the bytes of a text file into UTF-8, chunk by chunk. tcpdump writes ASCII, but a log
// saved by an editor or by PowerShell's `>` can be UTF-16 with a byte-order mark, and some
// editors put a BOM before UTF-8. The decision is taken on the first bytes; UTF-16 is then
// decoded as it streams, so a huge file is never held whole.

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

export type InputEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export class Utf8Input {
  /** The first bytes, kept while they could still be the start of a BOM. */
  private head: Uint8Array | null = EMPTY;
  private decoder: InstanceType<typeof TextDecoder> | null = null;
  private kind: InputEncoding = 'utf-8';

  /** The encoding found from the byte-order mark (UTF-8 when there is none). */
  get encoding(): InputEncoding {
    return this.kind;
  }

  /** UTF-8 bytes for the next chunk of input; may be empty while the first bytes are undecided. */
  push(chunk: Uint8Array): Uint8Array {
    if (this.head !== null) {
      const b = this.head.length ? concat(this.head, chunk) : chunk;
      if (couldBeBomPrefix(b)) {
        this.head = b === chunk ? chunk.slice() : b;
        return EMPTY;
      }
      this.head = null;
      if (b.length >= 2 && ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff))) {
        this.kind = b[0] === 0xff ? 'utf-16le' : 'utf-16be';
        // Not fatal: a broken code unit becomes U+FFFD and the line around it is skipped.
        this.decoder = new TextDecoder(this.kind);
        return this.decode(b.subarray(2), true);
      }
      if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3);
      return b;
    }
    return this.decoder ? this.decode(chunk, true) : chunk;
  }

  /** The bytes still held back at the end of the input. */
  end(): Uint8Array {
    if (this.head !== null) {
      // Fewer bytes than a BOM, e.g. a file holding only "\xff".
      const b = this.head;
      this.head = null;
      return b;
    }
    return this.decoder ? this.decode(EMPTY, false) : EMPTY;
  }

  private decode(b: Uint8Array, stream: boolean): Uint8Array {
    const s = this.decoder!.decode(b, { stream });
    return s.length ? encoder.encode(s) : EMPTY;
  }
}

/** True while b is too short to tell and is the start of a UTF-8 or UTF-16 BOM. */
function couldBeBomPrefix(b: Uint8Array): boolean {
  if (b.length === 0) return true;
  if (b.length === 1) return b[0] === 0xef || b[0] === 0xff || b[0] === 0xfe;
  return b.length === 2 && b[0] === 0xef && b[1] === 0xbb;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

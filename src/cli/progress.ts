// The CLI's progress line: how much of the input has been read, on standard error, only when
// that is a terminal and the reading has taken a while. It is rewritten in place (\r) and
// erased before anything else is printed, so a report on the same terminal reads cleanly.

/** Where the line goes: process.stderr, or a stand-in in tests. */
export interface ProgressOutput {
  isTTY?: boolean;
  write(s: string): unknown;
}

/** Nothing is shown for a read that ends sooner than this. */
const DELAY_MS = 500;
/** Least time between two updates. */
const EVERY_MS = 200;

export class Progress {
  private readonly start: number;
  private next: number;
  private shown = false;

  /** `name`: the input as the user named it, made printable. */
  constructor(
    private readonly out: ProgressOutput,
    private readonly name: string,
    private readonly now: () => number = Date.now,
  ) {
    this.start = now();
    this.next = this.start + DELAY_MS;
  }

  /** `done` bytes of the input have been read, of `total` (0: not known, as for standard input). */
  update(done: number, total: number): void {
    if (!this.out.isTTY) return;
    const t = this.now();
    if (t < this.next) return;
    this.next = t + EVERY_MS;
    this.shown = true;
    const amount = total > 0 ? `${Math.min(100, Math.floor((done / total) * 100))}% (${mb(done)} of ${mb(total)})` : mb(done);
    this.out.write(`\r\x1b[Ktcp-trace: reading ${this.name}: ${amount}`);
  }

  /** Erases the line, if one was shown. */
  end(): void {
    if (!this.shown) return;
    this.shown = false;
    this.out.write('\r\x1b[K');
  }
}

function mb(n: number): string {
  return `${(n / 1048576).toFixed(1)} MB`;
}

/**
 * Bytes in, lines out: chunks of a stream are split at \n where they lie (indexOf is native
 * and fast); only a line cut by a chunk boundary is copied. A trailing \r is dropped. Lines
 * longer than MAX_LINE are reported as such and not kept whole: bounded memory per source.
 */
export const MAX_LINE = 1 << 20;

export type LineHandler = (buf: Uint8Array, from: number, to: number, lineNo: number, tooLong: boolean) => void;

export class LineSplitter {
  lineNo = 0;
  private carry: Buffer | null = null;
  private skipping = false;

  constructor(private readonly onLine: LineHandler) {}

  push(chunk: Buffer): void {
    let pos = 0;
    if (this.carry !== null || this.skipping) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        if (!this.skipping) {
          this.carry = Buffer.concat([this.carry!, chunk]);
          if (this.carry.length > MAX_LINE) {
            this.skipping = true;
            this.carry = null;
          }
        }
        return;
      }
      if (this.skipping) {
        this.skipping = false;
        this.emit(chunk, 0, 0, true);
      } else {
        const line = Buffer.concat([this.carry!, chunk.subarray(0, nl)]);
        this.carry = null;
        if (line.length > MAX_LINE) this.emit(line, 0, 0, true);
        else this.emit(line, 0, line.length, false);
      }
      pos = nl + 1;
    }
    const n = chunk.length;
    while (pos < n) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) {
        if (n - pos > MAX_LINE) this.skipping = true;
        else this.carry = Buffer.from(chunk.subarray(pos));
        return;
      }
      if (nl - pos > MAX_LINE) this.emit(chunk, pos, pos, true);
      else this.emit(chunk, pos, nl, false);
      pos = nl + 1;
    }
  }

  /** The stream ended: a last line without \n is still a line. */
  end(): void {
    if (this.skipping) {
      this.skipping = false;
      this.emit(Buffer.alloc(0), 0, 0, true);
    } else if (this.carry !== null) {
      const c = this.carry;
      this.carry = null;
      this.emit(c, 0, c.length, false);
    }
  }

  private emit(buf: Uint8Array, from: number, to: number, tooLong: boolean): void {
    this.lineNo++;
    this.onLine(buf, from, to > from && buf[to - 1] === 13 ? to - 1 : to, this.lineNo, tooLong);
  }
}

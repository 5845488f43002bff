/**
 * The NDJSON engine of POST /v1/decide/batch: request bytes in, answer bytes out, streamed both
 * ways with backpressure so that millions of flows pass without being held in memory. Requests
 * and answers never become strings on the common path: lines are read from the request's bytes
 * and decided in batches, answers written as UTF-8 bytes into slabs that are reused once sent —
 * strings cost more to decode, flatten and encode than to decide.
 */
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { FlowBatch } from '../lookup/flow-batch.js';
import { FlowResult, resolveFlow } from '../lookup/flow.js';
import { byteFragments, langIndex, renderBytesInto, renderDecisionInto, type ByteFragments } from '../lookup/render.js';
import type { DecisionTable } from '../lookup/table.js';
import { flowError } from './flow-error.js';
import { FlowLine, readFlowLine, scanFlowLine } from './flow-line.js';
import { parseJson } from './json.js';
import type { Lang } from './lang.js';

/** The overlong-line error, as a JSON string (made once per stream, with the stream's limit). */
function tooLongError(lang: Lang, limit: number): string {
  return JSON.stringify(lang === 'ja' ? `行が ${limit} 文字を超えています` : `the line is longer than ${limit} characters`);
}

/** The answer to a line that is JSON but no flow, as JSON strings, made once. */
const NOT_A_FLOW = {
  en: JSON.stringify('expected an object with exactly the string keys src, dst and service'),
  ja: JSON.stringify('src、dst、service の三つの文字列のキーだけを持つオブジェクトを送ってください'),
};
/** Output slab for NDJSON answers: a few hundred answers, a few socket writes' worth. */
const SLAB = 256 * 1024;
/** Slabs remembered for reuse while the response still holds some of them. */
const MAX_HANDED_OUT = 8;
/** Flows decided together (lookup/flow-batch.ts). */
const BATCH = 64;

/**
 * The answers to `input` as a byte stream for the response `out`. `done` runs once every answer
 * is handed to the stream, with the engine's counts (lines, errors, decisions by id).
 */
/** What the route hangs on a stream: the decision log reads each chunk as it is answered. */
export interface StreamHooks {
  /** If set, each answer's decision id (-1 for an error) is pushed here, in answer order. */
  recent?: number[] | null;
  /** After a request chunk is answered (before its answers are handed out). */
  chunk?: (chunk: Buffer) => void;
  /** After the last line is answered, before the last answers are handed out. */
  ended?: () => void;
  /** Once every answer has been handed out. */
  done: (answers: NdjsonAnswers) => void;
}

export function answerStream(
  table: DecisionTable,
  lang: Lang,
  lineLimit: number,
  input: AsyncIterable<unknown>,
  out: { readonly writableLength: number },
  hooks: StreamHooks,
): Readable {
  // Every answer handed out has left the process once the stream holds none unread and the
  // response none unwritten (a socket counts a write until the kernel has taken all of it):
  // its slabs can then be written again, which keeps them in cache.
  const released = (): boolean => stream.readableLength === 0 && out.writableLength === 0;
  const answers = new NdjsonAnswers(table, lang, lineLimit, released);
  answers.recent = hooks.recent ?? null;
  async function* run(): AsyncGenerator<Buffer> {
    for await (const chunk of input) {
      answers.write(chunk as Buffer);
      hooks.chunk?.(chunk as Buffer);
      const ready = answers.ready;
      while (ready.length > 0) yield ready.shift()!;
    }
    answers.end();
    hooks.ended?.();
    const ready = answers.ready;
    while (ready.length > 0) yield ready.shift()!;
    hooks.done(answers);
  }
  const stream = Readable.from(run(), { objectMode: false, highWaterMark: 64 * 1024 });
  return stream;
}

/**
 * The NDJSON batch's answers, chunk by chunk: request bytes in (write, then end), answer bytes
 * out (ready: filled parts of the output slabs, in order). A line wholly inside a chunk is read
 * from its bytes (flow-line.ts readFlowLine into a lookup/flow-batch.ts FlowBatch) and answered
 * straight into the slab from byte fragments and its own address bytes: no string is made of it.
 * Every other line — one cut by a chunk's end, an error, an unusual shape — is decoded and read
 * by the safe parser exactly as before, with one decoder fed the bytes of the cut lines only: a
 * newline ends any UTF-8 sequence, so that decoder is clean wherever a line starts, and every
 * line reads as the whole stream decoded at once would read it.
 */
export class NdjsonAnswers {
  /** Request lines seen (blank ones too: line numbers count them). */
  lines = 0;
  /** Lines answered: a decision or an error (blank lines are not flows). */
  flows = 0;
  errors = 0;
  /** If set, each answer's decision id (-1 for an error) is pushed here, in answer order. */
  recent: number[] | null = null;
  /** Per decision id, how many answers gave it. */
  readonly counts: Uint32Array;
  readonly ready: Buffer[] = [];
  private readonly table: DecisionTable;
  private readonly lang: Lang;
  private readonly langIndex: number;
  /** The error an overlong line is answered with, as a JSON string, made once. */
  private readonly tooLong: string;
  private readonly limit: number;
  private readonly bytes: ByteFragments;
  private readonly out = new FlowResult();
  private readonly flow = new FlowLine();
  private readonly batch = new FlowBatch(BATCH);
  private slab: Buffer = Buffer.allocUnsafe(SLAB);
  /** The slab's bytes as a DataView (renderBytesInto copies addresses four bytes at a time). */
  private view = new DataView(this.slab.buffer, this.slab.byteOffset, this.slab.length);
  private used = 0;
  /** Start of the part of the slab not yet handed out. */
  private mark = 0;
  /** Slabs that were handed out, oldest first; free: slabs known to be out of every reader's hands. */
  private readonly handedOut: Buffer[] = [];
  private readonly free: Buffer[] = [];
  private readonly released: () => boolean;
  private readonly decoder = new StringDecoder('utf8');
  /** Decoded text of a line cut by a chunk's end. */
  private pending = '';
  /** A line longer than the limit was answered; its rest is dropped up to its newline. */
  private skipping = false;
  /** The last chunk ended inside a line: the next one's first line goes through the decoder. */
  private carry = false;

  /**
   * `released`: true when every buffer taken from `ready` so far is out of the reader's hands
   * (written and let go), so that their slabs may be overwritten. Without it slabs are never
   * reused.
   */
  constructor(table: DecisionTable, lang: Lang, limit: number, released: () => boolean = () => false) {
    this.released = released;
    this.table = table;
    this.lang = lang;
    this.langIndex = langIndex(lang);
    this.tooLong = tooLongError(lang, limit);
    this.limit = limit;
    this.bytes = byteFragments(table);
    this.counts = new Uint32Array(table.decisions.length);
  }

  write(chunk: Buffer): void {
    const len = chunk.length;
    let start = 0;
    if (this.carry || this.skipping) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.take(this.decoder.write(chunk), false);
        this.carry = true;
        return this.flush();
      }
      this.take(this.decoder.write(chunk.subarray(0, nl + 1)), false);
      start = nl + 1;
    }
    const { batch, limit } = this;
    const view = new DataView(chunk.buffer, chunk.byteOffset, len);
    while (start < len) {
      const nl = readFlowLine(chunk, view, start, len, batch);
      if (nl >= 0 && nl - start <= limit) {
        batch.take();
        this.lines++;
        if (batch.count === batch.size) this.answerBatch(view);
        start = nl + 1;
        continue;
      }
      // Answers go out in order: the batch's before this line's.
      this.answerBatch(view);
      const end = chunk.indexOf(10, start);
      if (end < 0) break;
      this.lines++;
      this.line(chunk.toString('utf8', start, end));
      start = end + 1;
    }
    this.answerBatch(view);
    this.carry = start < len;
    if (this.carry) this.take(this.decoder.write(chunk.subarray(start)), false);
    this.flush();
  }

  end(): void {
    this.take(this.decoder.end(), true);
    this.flush();
  }

  /** The batch's flows decided and answered, from their bytes in `input`; the batch emptied. */
  private answerBatch(input: DataView): void {
    const batch = this.batch;
    const n = batch.count;
    if (n === 0) return;
    batch.decide(this.table);
    const { bytes, counts, langIndex } = this;
    const { text, decision, srcSeg, dstSeg } = batch;
    // Room for the longest answers once per batch: an address the parser accepts is at most
    // 45 bytes.
    this.room(n * (bytes.maxFixed + 2 * 45 + 1));
    const { slab, view } = this;
    let o = this.used;
    this.flows += n;
    const recent = this.recent;
    for (let k = 0; k < n; k++) {
      const id = decision[k]!;
      counts[id]!++;
      if (recent !== null) recent.push(id);
      const t = k << 2;
      o = renderBytesInto(slab, view, o, bytes, id, srcSeg[k]!, dstSeg[k]!, input, text[t]!, text[t + 1]!, text[t + 2]!, text[t + 3]!, langIndex);
      slab[o++] = 10;
    }
    this.used = o;
    batch.count = 0;
  }

  /** The filled part of the slab, handed out. */
  private flush(): void {
    if (this.used > this.mark) {
      this.ready.push(this.slab.subarray(this.mark, this.used));
      this.mark = this.used;
    }
  }

  private room(need: number): void {
    if (this.used + need <= this.slab.length) return;
    // Asked before this slab's last part joins `ready`: parts still there have not been read.
    const released = this.released();
    this.flush();
    const old = this.slab;
    if (released) {
      // All but the slabs of parts still in `ready`.
      const { ready, handedOut } = this;
      let kept = 0;
      for (const s of handedOut) {
        if (ready.some((b) => b.buffer === s.buffer)) handedOut[kept++] = s;
        else this.free.push(s);
      }
      handedOut.length = kept;
    }
    if (old.length === SLAB) this.handedOut.push(old);
    // A reader that never lets go leaves these to the collector.
    if (this.handedOut.length > MAX_HANDED_OUT) this.handedOut.shift();
    this.slab = need <= SLAB ? (this.free.pop() ?? Buffer.allocUnsafe(SLAB)) : Buffer.allocUnsafe(need);
    this.view = new DataView(this.slab.buffer, this.slab.byteOffset, this.slab.length);
    this.used = 0;
    this.mark = 0;
  }

  /** An error answer's text. */
  private text(s: string): void {
    this.flows++;
    this.recent?.push(-1);
    this.room(Buffer.byteLength(s) + 1);
    this.used += this.slab.write(s, this.used);
    this.slab[this.used++] = 10;
  }

  /** After resolveFlow accepted the flow: the answer's bytes, straight into the slab. */
  private render(src: string, dst: string): void {
    const out = this.out;
    this.counts[out.decision]!++;
    this.flows++;
    this.recent?.push(out.decision);
    this.room(this.bytes.maxFixed + src.length + dst.length + 1);
    this.used = renderDecisionInto(this.slab, this.used, this.table, out.decision, out.srcSeg, out.dstSeg, src, dst, this.lang);
    this.slab[this.used++] = 10;
  }

  /** Decoded text: lines are read the safe way, a cut line's text kept for the next chunk. */
  private take(chunk: string, final: boolean): void {
    const limit = this.limit;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) break;
      let line = chunk.slice(start, nl);
      start = nl + 1;
      if (this.skipping) {
        // The end of an overlong line, already counted and answered.
        this.skipping = false;
        continue;
      }
      this.lines++;
      if (this.pending.length > 0) {
        line = this.pending + line;
        this.pending = '';
      }
      this.line(line);
    }
    const rest = chunk.slice(start);
    if (!this.skipping) {
      this.pending += rest;
      if (this.pending.length > limit) {
        // Answer now and drop the rest of this line as it arrives.
        this.lines++;
        this.errors++;
        this.text(`{"line":${this.lines},"error":${this.tooLong}}`);
        this.pending = '';
        this.skipping = true;
      }
    }
    if (final && !this.skipping && this.pending.trim() !== '') {
      this.lines++;
      let line = this.pending;
      this.pending = '';
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.answer(line, this.lines);
    }
  }

  /** One whole line (without its newline), already counted. */
  private line(line: string): void {
    if (line.length > this.limit) {
      this.errors++;
      return this.text(`{"line":${this.lines},"error":${this.tooLong}}`);
    }
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') return;
    this.answer(line, this.lines);
  }

  /** One request line → one answer line. */
  private answer(line: string, n: number): void {
    const { table, out, flow } = this;
    // The fast path holds only for a flow the flow parser accepts: its values are then plain
    // ASCII, read as JSON would (see flow-line.ts). Any other line, and every error, is
    // answered from the safe parser's reading.
    if (scanFlowLine(line, flow) && resolveFlow(table, flow.src, flow.dst, flow.service, out)) return this.render(flow.src, flow.dst);
    const parsed = parseJson(line);
    if (!parsed.ok) {
      this.errors++;
      return this.text(`{"line":${n},"error":${JSON.stringify(this.lang === 'ja' ? parsed.ja : parsed.reason)}}`);
    }
    const v = parsed.value as Record<string, unknown>;
    if (
      v === null ||
      typeof v !== 'object' ||
      Array.isArray(v) ||
      typeof v.src !== 'string' ||
      typeof v.dst !== 'string' ||
      typeof v.service !== 'string' ||
      Object.keys(v).length !== 3
    ) {
      this.errors++;
      return this.text(`{"line":${n},"error":${this.lang === 'ja' ? NOT_A_FLOW.ja : NOT_A_FLOW.en}}`);
    }
    if (!resolveFlow(table, v.src, v.dst, v.service, out)) {
      this.errors++;
      return this.text(`{"line":${n},"error":${JSON.stringify(flowError(out.field!, v[out.field!] as string, out.reason!, this.lang))}}`);
    }
    this.render(v.src, v.dst);
  }
}

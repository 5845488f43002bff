/**
 * Flows parsed from bytes and decided together: a lookup is a chain of dependent reads from a
 * table of megabytes, each a likely cache miss. Decided one by one between parsing and
 * rendering, the misses of a flow wait in turn (~0.4 µs of the batch's 1 µs); in a loop over
 * a batch of independent flows the CPU runs the next flows' reads while the first wait.
 */
import type { DecisionTable } from './table.js';
import { addressValue, serviceValue } from './parse-bytes.js';
import { FlowResult } from './parse-text.js';

/** Flows read from bytes, decided together (the NDJSON route decides 64 at a time). */
export class FlowBatch {
  readonly size: number;
  count = 0;
  /** Per flow k: its source and destination address as words [4k, 4k + 4). */
  readonly src: Uint32Array;
  readonly dst: Uint32Array;
  readonly proto: Int32Array;
  readonly port: Int32Array;
  /** Per flow k, the byte ranges its addresses were read from: [4k] … [4k + 3] = srcFrom, srcTo, dstFrom, dstTo. */
  readonly text: Int32Array;
  /** After decide: per flow, its segments and decision id. */
  readonly srcSeg: Int32Array;
  readonly dstSeg: Int32Array;
  readonly decision: Int32Array;
  private readonly service = new FlowResult();

  constructor(size: number) {
    this.size = size;
    this.src = new Uint32Array(size * 4);
    this.dst = new Uint32Array(size * 4);
    this.proto = new Int32Array(size);
    this.port = new Int32Array(size);
    this.text = new Int32Array(size * 4);
    this.srcSeg = new Int32Array(size);
    this.dstSeg = new Int32Array(size);
    this.decision = new Int32Array(size);
  }

  /*
   * A line reader fills the next slot value by value (each returns addressValue's or
   * serviceValue's answer), then takes it; a slot not taken is overwritten by the next line.
   */
  srcValue(buf: Uint8Array, from: number, end: number): number {
    const k = this.count << 2;
    const q = addressValue(buf, from, end, this.src, k);
    this.text[k] = from;
    this.text[k + 1] = q;
    return q;
  }

  dstValue(buf: Uint8Array, from: number, end: number): number {
    const k = this.count << 2;
    const q = addressValue(buf, from, end, this.dst, k);
    this.text[k + 2] = from;
    this.text[k + 3] = q;
    return q;
  }

  serviceValue(buf: Uint8Array, from: number, end: number): number {
    const s = this.service;
    const q = serviceValue(buf, from, end, s);
    this.proto[this.count] = s.proto;
    this.port[this.count] = s.port;
    return q;
  }

  /** The slot the value readers filled is a flow of the batch. */
  take(): void {
    this.count++;
  }

  /** Segments and decision ids of the flows taken, as resolveFlow finds them; one stage at a time. */
  decide(table: DecisionTable): void {
    const n = this.count;
    const { src, dst, srcSeg, dstSeg, proto, port, decision } = this;
    for (let k = 0; k < n; k++) srcSeg[k] = table.segment6(src, k << 2);
    for (let k = 0; k < n; k++) dstSeg[k] = table.segment6(dst, k << 2);
    for (let k = 0; k < n; k++) decision[k] = table.decideSegments(srcSeg[k]!, dstSeg[k]!, proto[k]!, port[k]!);
  }
}

/**
 * The monitor's core: each record read is decided with the compiled table's lookup, and every
 * denied record counted into its aggregate (code, source segment, destination segment, service).
 * Counting a record touches two Maps keyed by small integers and a few numbers: no allocation
 * unless the aggregate is new (then its example is kept and the finding announced).
 */
import type { DecisionTable } from '../lookup/table.js';
import { formatServiceKey } from '../model/services.js';
import { DECISION_CODES, type DecisionCode } from '../problems/codes.js';
import type { LogReader } from './readers/reader.js';
import { FlowRecord, PARSED, RECORD_ERRORS, REJECTED } from './record.js';

export const CODE_LIST = Object.keys(DECISION_CODES) as DecisionCode[];

export interface Aggregate {
  /** Order of first sight, from 0. */
  index: number;
  code: number;
  srcSeg: number;
  dstSeg: number;
  proto: number;
  port: number;
  count: number;
  /** Unix ms, NaN where no record of it had a time. */
  first: number;
  last: number;
  example: unknown;
  exampleAt: string;
}

export interface MonitorHooks {
  /** A new aggregate (its count is 1). */
  finding?: (a: Aggregate) => void;
  /** A record that is not one: its position (SOURCE:LINE) and why. */
  rejected?: (position: string, reason: string) => void;
  /** Every denied record, after it is counted into its aggregate (NATS workers' per-message ledger). */
  counted?: (a: Aggregate) => void;
}

/** Keys of the outer map fit a small integer while codes × segments² does (see key()). */
const SMALL = 2 ** 30;

export class Monitor {
  records = 0;
  parsed = 0;
  rejected = 0;
  /** Denied records per code index (CODE_LIST). */
  readonly perCode = new Float64Array(CODE_LIST.length);
  readonly aggregates: Aggregate[] = [];
  readonly rec = new FlowRecord();
  /** Per decision id: its code's index if it denies, else -1. */
  private readonly denyCode: Int8Array;
  /** Rule sets too large for integer cell keys: a Map of string keys (slower, allocates). */
  private readonly byKey = new Map<string, Aggregate>();
  /**
   * Open addressing over typed arrays, (cell, service key) → aggregate index: with tens of
   * thousands of findings open, two levels of Map cost a record twice the lookup itself.
   */
  private slots = new Int32Array(2048 * 3).fill(-1);
  private mask = 2047;
  private readonly segments: number;
  private readonly smallKeys: boolean;

  constructor(
    readonly table: DecisionTable,
    private readonly hooks: MonitorHooks = {},
    /** stringKeys: use the string-keyed Map whatever the size (tests compare both paths). */
    options: { stringKeys?: boolean } = {},
  ) {
    const ds = table.decisions;
    this.denyCode = new Int8Array(ds.length);
    for (let i = 0; i < ds.length; i++) this.denyCode[i] = ds[i]!.decision === 'deny' ? CODE_LIST.indexOf(ds[i]!.code) : -1;
    this.segments = table.model.segments.length;
    this.smallKeys = options.stringKeys !== true && CODE_LIST.length * this.segments * this.segments < SMALL;
  }

  /**
   * One line from a source: read, decide, count. `source` names it for positions (a file name,
   * "-", or nats:SEQ); line numbers count from 1. Returns the reader's answer.
   */
  line(reader: LogReader, buf: Uint8Array, from: number, to: number, source: string, lineNo: number, tooLong = false): number {
    const rec = this.rec;
    let r: number;
    if (tooLong) r = rec.reject(RECORD_ERRORS.tooLong);
    else r = reader.line(buf, from, to, rec);
    if (r === PARSED) {
      this.records++;
      this.parsed++;
      this.count(reader, buf, from, to, source, lineNo);
    } else if (r === REJECTED) {
      this.records++;
      this.rejected++;
      this.hooks.rejected?.(`${source}:${lineNo}`, rec.reason);
    }
    return r;
  }

  private grow(): void {
    const old = this.slots;
    const size = (this.mask + 1) * 2;
    this.slots = new Int32Array(size * 3).fill(-1);
    this.mask = size - 1;
    for (let k = 0; k < old.length; k += 3) {
      const cell = old[k]!;
      if (cell === -1) continue;
      const svc = old[k + 1]!;
      let h = (Math.imul(cell, 0x9e3779b1) ^ Math.imul(svc + 0x7f4a7c15, 0x85ebca77)) & this.mask;
      while (this.slots[h * 3] !== -1) h = (h + 1) & this.mask;
      this.slots[h * 3] = cell;
      this.slots[h * 3 + 1] = svc;
      this.slots[h * 3 + 2] = old[k + 2]!;
    }
  }

  private count(reader: LogReader, buf: Uint8Array, from: number, to: number, source: string, lineNo: number): void {
    const rec = this.rec;
    const t = this.table;
    // decide4 in two halves: the segments are the finding's key as well.
    const srcSeg = rec.v4 ? t.segment4(rec.src4) : t.segment6(rec.src, 0);
    const dstSeg = rec.v4 ? t.segment4(rec.dst4) : t.segment6(rec.dst, 0);
    const code = this.denyCode[t.decideSegments(srcSeg, dstSeg, rec.proto, rec.port)]!;
    if (code < 0) return;
    this.perCode[code]!++;
    const S = this.segments;
    const svc = rec.proto * 65536 + rec.port;
    let a: Aggregate | undefined;
    let slot = -1;
    let key = '';
    if (this.smallKeys) {
      const cell = (code * S + srcSeg) * S + dstSeg;
      const slots = this.slots;
      let h = (Math.imul(cell, 0x9e3779b1) ^ Math.imul(svc + 0x7f4a7c15, 0x85ebca77)) & this.mask;
      for (;;) {
        const k = h * 3;
        const c = slots[k]!;
        if (c === -1) {
          slot = k;
          break;
        }
        if (c === cell && slots[k + 1] === svc) {
          a = this.aggregates[slots[k + 2]!];
          break;
        }
        h = (h + 1) & this.mask;
      }
      if (a === undefined) {
        slots[slot] = cell;
        slots[slot + 1] = svc;
        slots[slot + 2] = this.aggregates.length;
      }
    } else {
      key = `${code}:${srcSeg}:${dstSeg}:${svc}`;
      a = this.byKey.get(key);
    }
    const time = rec.time;
    if (a === undefined) {
      a = {
        index: this.aggregates.length,
        code,
        srcSeg,
        dstSeg,
        proto: rec.proto,
        port: rec.port,
        count: 1,
        first: time,
        last: time,
        example: reader.example(buf, from, to),
        exampleAt: `${source}:${lineNo}`,
      };
      if (!this.smallKeys) this.byKey.set(key, a);
      this.aggregates.push(a);
      if (this.smallKeys && this.aggregates.length * 2 > this.mask) this.grow();
      this.hooks.finding?.(a);
      this.hooks.counted?.(a);
      return;
    }
    a.count++;
    if (!Number.isNaN(time)) {
      if (!(time >= a.first)) a.first = time;
      if (!(time <= a.last)) a.last = time;
    }
    this.hooks.counted?.(a);
  }
}

export interface FindingJson {
  code: DecisionCode;
  src: { segment: string; tier: string };
  dst: { segment: string; tier: string };
  service: string;
  count: number;
  firstSeen: string | null;
  lastSeen: string | null;
  example: unknown;
  exampleAt: string;
}

function iso(ms: number): string | null {
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export function findingJson(table: DecisionTable, a: Aggregate): FindingJson {
  const S = table.model.segments[a.srcSeg]!;
  const D = table.model.segments[a.dstSeg]!;
  return {
    code: CODE_LIST[a.code]!,
    src: { segment: S.name, tier: S.tier },
    dst: { segment: D.name, tier: D.tier },
    service: formatServiceKey(a.proto * 65536 + a.port),
    count: a.count,
    firstSeen: iso(a.first),
    lastSeen: iso(a.last),
    example: a.example,
    exampleAt: a.exampleAt,
  };
}

/** Findings in the order of the result: most records first, then by code, segments, service. */
export function sortFindings(fs: FindingJson[]): FindingJson[] {
  return fs.sort((a, b) => b.count - a.count || cmp(a.code, b.code) || cmp(a.src.segment, b.src.segment) || cmp(a.dst.segment, b.dst.segment) || cmp(a.service, b.service));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

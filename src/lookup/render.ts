/**
 * Decisions as JSON (the shape and field order of docs/decisions.md, policyVersion last). Everything but the two
 * addresses is serialized once at compile time, per decision id and per segment, so rendering a
 * decision is a handful of string concatenations (pino's trick).
 */
import { LANGS, decisionClause, decisionMessage, type Lang } from '../i18n/messages.js';
import type { SanitizerMethod, Tier } from '../model/types.js';
import type { DecisionCode } from '../problems/codes.js';
import type { DecisionTable } from './table.js';

export interface RenderFragments {
  /** Per decision id: `{"decision":…,"code":…,"rule":…,"src":{"address":"` */
  head: string[];
  /** Per segment: `","segment":"…","tier":"…"}` (closes the address string and the object). */
  seg: string[];
  /** Per segment: its name as a JSON string, for the sanitizer object. */
  segName: string[];
  /** Per decision id: `,"path":…,"sanitizer":` then either `null` or `{"segment":` */
  path: string[];
  /** Per decision id: 0 no sanitizer, 1 the source segment's, 2 the destination's. */
  side: Uint8Array;
  /** Per decision id × language (id * 2 + lang): the rest, from the sanitizer method to the end. */
  tail: string[];
}

const DST = ',"dst":{"address":"';

export function langIndex(lang: Lang): number {
  return lang === 'ja' ? 1 : 0;
}

export function buildFragments(table: DecisionTable): RenderFragments {
  const { model } = table;
  const version = JSON.stringify(model.version);
  const f: RenderFragments = { head: [], seg: [], segName: [], path: [], side: new Uint8Array(table.decisions.length), tail: [] };
  for (const s of model.segments) {
    f.seg.push(`","segment":${JSON.stringify(s.name)},"tier":${JSON.stringify(s.tier)}}`);
    f.segName.push(JSON.stringify(s.name));
  }
  for (const r of table.decisions) {
    f.head.push(`{"decision":"${r.decision}","code":"${r.code}","rule":${JSON.stringify(r.ruleId)},"src":{"address":"`);
    const side = r.sanitizerSide === 'src' ? 1 : r.sanitizerSide === 'dst' ? 2 : 0;
    f.side[r.id] = side;
    f.path.push(`,"path":"${r.path}","sanitizer":${side ? '{"segment":' : 'null'}`);
    const expires = r.exception >= 0 ? model.exceptions[r.exception]!.expires : null;
    for (const lang of LANGS) {
      const method = side ? `,"method":${JSON.stringify(r.method)}}` : '';
      const clause = JSON.stringify(decisionClause(model.policy, r));
      const message = JSON.stringify(decisionMessage(r, lang, { policy: model.policy, expires }));
      f.tail[r.id * 2 + langIndex(lang)] = `${method},"clause":${clause},"message":${message},"policyVersion":${version}}`;
    }
  }
  return f;
}

/**
 * A decision as JSON text. `srcText`/`dstText` are the addresses as the caller wrote them and
 * must have passed the flow parser (hex digits, dots and colons only: nothing to escape).
 */
export function renderDecision(table: DecisionTable, id: number, srcSeg: number, dstSeg: number, srcText: string, dstText: string, lang: Lang): string {
  const f = table.fragments;
  const side = f.side[id]!;
  return (
    f.head[id]! +
    srcText +
    f.seg[srcSeg]! +
    DST +
    dstText +
    f.seg[dstSeg]! +
    f.path[id]! +
    (side === 0 ? '' : f.segName[side === 1 ? srcSeg : dstSeg]!) +
    f.tail[id * 2 + langIndex(lang)]!
  );
}

/**
 * The fragments as UTF-8 bytes, for writers that fill a Buffer (the NDJSON batch): encoding a
 * string answer costs more than rendering it, because fragments holding Japanese make every
 * concatenated chunk a two-byte string to flatten and transcode.
 */
export interface ByteFragments {
  head: Buffer[];
  /** Per segment: its `seg` fragment and the opening of the destination (always next). */
  segDst: Buffer[];
  seg: Buffer[];
  segName: Buffer[];
  path: Buffer[];
  side: Uint8Array;
  tail: Buffer[];
  /** Per decision id × language: `path` and `tail` in one, for decisions without a sanitizer. */
  pathTail: Buffer[];
  /** The longest answer without its two addresses, in bytes: the room a writer must leave. */
  maxFixed: number;
}

const byteCache = new WeakMap<DecisionTable, ByteFragments>();
let lastTable: DecisionTable | null = null;
let lastBytes: ByteFragments | null = null;

/**
 * Built once per table from its string fragments, and cached with the table. Fragments that
 * always follow each other are joined: each `set` of a small Buffer costs about as much as
 * copying the bytes.
 */
export function byteFragments(table: DecisionTable): ByteFragments {
  // Called per answer: the last table is remembered, the WeakMap is for the others. (After a
  // reload the old table stays referenced until the next answer from the new one.)
  if (table === lastTable) return lastBytes!;
  let b = byteCache.get(table);
  if (b !== undefined) {
    lastTable = table;
    lastBytes = b;
    return b;
  }
  const f = table.fragments;
  const enc = (s: string): Buffer => Buffer.from(s, 'utf8');
  const max = (a: Buffer[]): number => a.reduce((m, x) => Math.max(m, x.length), 0);
  const head = f.head.map(enc);
  const seg = f.seg.map(enc);
  const segDst = f.seg.map((s) => enc(s + DST));
  const segName = f.segName.map(enc);
  const path = f.path.map(enc);
  const tail = f.tail.map(enc);
  const pathTail = f.tail.map((t, k) => enc(f.path[k >> 1]! + t));
  const maxFixed = max(head) + max(segDst) + max(seg) + max(path) + max(segName) + max(tail);
  b = { head, segDst, seg, segName, path, side: f.side, tail, pathTail, maxFixed };
  byteCache.set(table, b);
  lastTable = table;
  lastBytes = b;
  return b;
}

/** Addresses are a few dozen ASCII characters: a loop beats a call into the native writer. */
function writeAscii(buf: Buffer, o: number, text: string): number {
  const n = text.length;
  for (let i = 0; i < n; i++) buf[o + i] = text.charCodeAt(i);
  return o + n;
}

/**
 * renderDecision's bytes (UTF-8) written into `buf` at `offset`; returns the offset after them.
 * The caller leaves room: `maxFixed` of byteFragments plus the two addresses' lengths. The
 * addresses must have passed the flow parser (ASCII), so one byte per character.
 */
export function renderDecisionInto(
  buf: Buffer,
  offset: number,
  table: DecisionTable,
  id: number,
  srcSeg: number,
  dstSeg: number,
  srcText: string,
  dstText: string,
  lang: Lang,
): number {
  const b = byteFragments(table);
  let o = offset;
  let x = b.head[id]!;
  buf.set(x, o);
  o = writeAscii(buf, o + x.length, srcText);
  x = b.segDst[srcSeg]!;
  buf.set(x, o);
  o = writeAscii(buf, o + x.length, dstText);
  return writeTail(buf, o, b, id, srcSeg, dstSeg, langIndex(lang));
}

/** What follows the destination address: its segment, the path, the sanitizer and the message. */
function writeTail(buf: Uint8Array, o: number, b: ByteFragments, id: number, srcSeg: number, dstSeg: number, lang: number): number {
  let x = b.seg[dstSeg]!;
  buf.set(x, o);
  o += x.length;
  const side = b.side[id]!;
  if (side === 0) {
    x = b.pathTail[id * 2 + lang]!;
  } else {
    x = b.path[id]!;
    buf.set(x, o);
    o += x.length;
    x = b.segName[side === 1 ? srcSeg : dstSeg]!;
    buf.set(x, o);
    o += x.length;
    x = b.tail[id * 2 + lang]!;
  }
  buf.set(x, o);
  return o + x.length;
}

/**
 * input[from, to) to out at o, four bytes at a time (DataView reads and writes need no
 * alignment): up to three bytes past `to` are read and written too, to be overwritten by what
 * follows. Returns the offset after the copy.
 */
function copyWords(out: DataView, o: number, input: DataView, from: number, to: number): number {
  const end = o + (to - from);
  for (; from < to; from += 4, o += 4) out.setInt32(o, input.getInt32(from));
  return end;
}

/**
 * renderDecisionInto with the two addresses taken as bytes of a request line (accepted by the
 * flow parser: ASCII, each byte its own character), read through `inView`, and the language as
 * langIndex; `buf` is also written through `view`, its DataView. The caller holds `b`
 * (byteFragments of the table) and leaves room for maxFixed plus the two ranges' lengths; the
 * input holds three more bytes past each range (its closing quote and at least `}` and a newline
 * follow an address in a line).
 */
export function renderBytesInto(
  buf: Uint8Array,
  view: DataView,
  offset: number,
  b: ByteFragments,
  id: number,
  srcSeg: number,
  dstSeg: number,
  inView: DataView,
  srcFrom: number,
  srcTo: number,
  dstFrom: number,
  dstTo: number,
  lang: number,
): number {
  let x = b.head[id]!;
  buf.set(x, offset);
  let o = copyWords(view, offset + x.length, inView, srcFrom, srcTo);
  x = b.segDst[srcSeg]!;
  buf.set(x, o);
  o = copyWords(view, o + x.length, inView, dstFrom, dstTo);
  return writeTail(buf, o, b, id, srcSeg, dstSeg, lang);
}

export interface EndpointObject {
  address: string;
  segment: string;
  tier: Tier;
}

/** The decision object of docs/decisions.md (same fields and order as renderDecision's JSON). */
export interface DecisionObject {
  decision: 'allow' | 'deny';
  code: DecisionCode;
  rule: string | null;
  src: EndpointObject;
  dst: EndpointObject;
  path: 'direct' | 'sanitized' | 'breakout' | 'none';
  sanitizer: { segment: string; method: SanitizerMethod } | null;
  clause: string | null;
  message: string;
  policyVersion: string;
}

export function decisionObject(table: DecisionTable, id: number, srcSeg: number, dstSeg: number, srcText: string, dstText: string, lang: Lang): DecisionObject {
  const r = table.decision(id);
  const { model } = table;
  const S = model.segments[srcSeg]!;
  const D = model.segments[dstSeg]!;
  const sanitizerSeg = r.sanitizerSide === 'src' ? S : r.sanitizerSide === 'dst' ? D : null;
  const expires = r.exception >= 0 ? model.exceptions[r.exception]!.expires : null;
  return {
    decision: r.decision,
    code: r.code,
    rule: r.ruleId,
    src: { address: srcText, segment: S.name, tier: S.tier },
    dst: { address: dstText, segment: D.name, tier: D.tier },
    path: r.path,
    sanitizer: sanitizerSeg && r.method ? { segment: sanitizerSeg.name, method: r.method } : null,
    clause: decisionClause(model.policy, r),
    message: decisionMessage(r, lang, { policy: model.policy, expires }),
    policyVersion: model.version,
  };
}

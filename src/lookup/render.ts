/**
 * Decisions as JSON (SPEC §2 shape and field order, policyVersion last). Everything but the two
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
  const f = table.fragments!;
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

export interface EndpointObject {
  address: string;
  segment: string;
  tier: Tier;
}

/** The decision object of SPEC §2 (same fields and order as renderDecision's JSON). */
export interface DecisionObject {
  decision: 'allow' | 'deny';
  code: DecisionCode;
  rule: string | null;
  src: EndpointObject;
  dst: EndpointObject;
  path: 'direct' | 'sanitized' | 'none';
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

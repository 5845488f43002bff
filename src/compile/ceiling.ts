/**
 * The ceiling (docs/decisions.md step 2, the tier model), per segment "base": what of a segment the
 * ceiling reads — tier, whether it is a My Number terminal without MFA, its sanitizer, and
 * (α′) the services it is a local-breakout destination for. Segments with one base are
 * interchangeable for the ceiling, so it is computed once per base pair.
 *
 * The guideline model (docs/models.md) is settled here, at compile time: β's LGWAN-tier
 * screen-transfer bridge is an ordinary inbound sanitizer once the builder has let it exist,
 * and breakout sets are only planned under alpha-prime. The lookup never sees the model.
 */
import type { CeilingCode } from '../problems/codes.js';
import type { Model, SanitizerMethod, Tier } from '../model/types.js';
import { hasClass, type ServicePlan } from './services.js';

export interface Base {
  tier: Tier;
  /** A `terminal` of tier mynumber without `mfa: true`. */
  mfaMissing: boolean;
  sanitizer: { method: SanitizerMethod; peer: Tier; outbound: boolean; inbound: boolean; set: number } | null;
  /** Service-set index of the segment's breakout services (α′ only), or -1. */
  breakout: number;
}

/** Ceiling codes as small numbers: 0 = none, then CEILING_CODES order. */
export const CEIL_NONE = 0;
export const CEIL = { 'CLOUD-AGGREGATION': 1, 'MN-ISOLATION': 2, 'SPLIT-PATH': 3, 'MFA-REQUIRED': 4 } as const;
export const CEIL_NAMES: readonly (CeilingCode | null)[] = [null, 'CLOUD-AGGREGATION', 'MN-ISOLATION', 'SPLIT-PATH', 'MFA-REQUIRED'];
/** Sanitizer side: 0 none, 1 the source's, 2 the destination's; 3 no sanitizer, the destination's local breakout (α′). */
export const SIDE_NONE = 0;
export const SIDE_SRC = 1;
export const SIDE_DST = 2;
export const SIDE_BREAKOUT = 3;

/** Per (base pair, service class): the ceiling code, the bridging sanitizer's side, and the code the tier pair has without a bridge. */
export interface CeilingRow {
  /** Bitset over classes (as ServicePlan.bits): the classes whose code is not none. */
  mask: Uint32Array;
  code: Uint8Array;
  side: Uint8Array;
  wouldBe: Uint8Array;
}

export interface BasePlan {
  bases: Base[];
  /** Base id per segment. */
  ofSegment: Int32Array;
}

/**
 * `sanitizerSet(i)` is the service-set index of segment i's sanitizer services, `breakoutSet(i)`
 * that of its breakout services or -1.
 */
export function planBases(model: Model, services: ServicePlan, sanitizerSet: (seg: number) => number, breakoutSet: (seg: number) => number = () => -1): BasePlan {
  const ids = new Map<string, number>();
  const bases: Base[] = [];
  const ofSegment = new Int32Array(model.segments.length);
  for (const seg of model.segments) {
    const mfaMissing = seg.tier === 'mynumber' && seg.role === 'terminal' && !seg.mfa;
    let sanitizer: Base['sanitizer'] = null;
    let sanKey = '-';
    if (seg.sanitizer) {
      const s = seg.sanitizer;
      const set = sanitizerSet(seg.index);
      sanitizer = { method: s.method, peer: s.peer, outbound: s.direction !== 'inbound', inbound: s.direction !== 'outbound', set };
      // Two sanitizers with the same method, peer, direction and classes are the same to the table.
      const words = services.bits.subarray(set * services.words, (set + 1) * services.words).join('.');
      sanKey = `${s.method}/${s.peer}/${s.direction}/${words}`;
    }
    const breakout = model.policy.model === 'alpha-prime' && seg.tier === 'internet' ? breakoutSet(seg.index) : -1;
    const outKey = breakout < 0 ? '-' : services.bits.subarray(breakout * services.words, (breakout + 1) * services.words).join('.');
    const key = `${seg.tier}|${mfaMissing ? 1 : 0}|${sanKey}|${outKey}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = bases.length;
      ids.set(key, id);
      bases.push({ tier: seg.tier, mfaMissing, sanitizer, breakout });
    }
    ofSegment[seg.index] = id;
  }
  return { bases, ofSegment };
}

function bridgeSide(S: Base, D: Base, c: number, services: ServicePlan, fileSanitizeOnly: boolean): number {
  const s = S.sanitizer;
  if (s && s.peer === D.tier && s.outbound && hasClass(services, s.set, c) && (!fileSanitizeOnly || s.method === 'file-sanitize')) return SIDE_SRC;
  const d = D.sanitizer;
  if (d && d.peer === S.tier && d.inbound && hasClass(services, d.set, c) && (!fileSanitizeOnly || d.method === 'file-sanitize')) return SIDE_DST;
  return SIDE_NONE;
}

/** The ceiling (docs/decisions.md step 2) for every service class of one base pair. */
export function ceilingRow(S: Base, D: Base, services: ServicePlan): CeilingRow {
  const n = services.classes;
  const row: CeilingRow = { mask: new Uint32Array(services.words), code: new Uint8Array(n), side: new Uint8Array(n), wouldBe: new Uint8Array(n) };
  for (let c = 0; c < n; c++) {
    let code: number = CEIL_NONE;
    let side = SIDE_NONE;
    let wouldBe: number = CEIL_NONE;
    if (S.tier === 'outside' || D.tier === 'outside') {
      code = wouldBe = CEIL['CLOUD-AGGREGATION'];
    } else if (S.tier !== D.tier && (S.tier === 'mynumber' || D.tier === 'mynumber')) {
      wouldBe = CEIL['MN-ISOLATION'];
      if (S.tier === 'lgwan' && D.tier === 'mynumber') {
        // The one liftable direction: a one-way import through a file-sanitize bridge. Only
        // such a sanitizer counts here, also for the path of an exception-allowed flow.
        side = bridgeSide(S, D, c, services, true);
        if (side === SIDE_NONE) code = wouldBe;
      } else {
        code = wouldBe;
        side = bridgeSide(S, D, c, services, false);
      }
    } else if (S.tier !== D.tier) {
      // lgwan ↔ internet (the only remaining pair of different site tiers). A sanitizer that
      // bridges is the path; else, LGWAN → a breakout destination on its services (α′ only:
      // other models plan no breakout set) goes out directly. Never internet → LGWAN.
      wouldBe = CEIL['SPLIT-PATH'];
      side = bridgeSide(S, D, c, services, false);
      if (side === SIDE_NONE && S.tier === 'lgwan' && D.breakout >= 0 && hasClass(services, D.breakout, c)) side = SIDE_BREAKOUT;
      if (side === SIDE_NONE) code = wouldBe;
    } else if (S.mfaMissing) {
      code = wouldBe = CEIL['MFA-REQUIRED'];
    }
    row.code[c] = code;
    if (code !== CEIL_NONE) row.mask[c >>> 5]! |= 1 << (c & 31);
    row.side[c] = side;
    row.wouldBe[c] = wouldBe;
  }
  return row;
}

/**
 * A flow asked with names (docs/decisions.md, "Asking with names"): each side a segment or group
 * name, `outside`, `tier:<tier>` or one address; the service a name of the rule set or one flow
 * service. The answer is every (source segment, destination segment) pair the sides stand for,
 * each with the decisions the service gets there and which of its flows each one covers — read
 * off the compiled table by cells, never sampled, like the change-request check.
 *
 * Names resolve as the change request resolves them (parse.ts), and a service's ranges are cut
 * into the table's service classes by the same walk (touchServices in ranges.ts). Segment pairs with the same (source
 * class, destination class) read one decision vector, so each vector is worked out once.
 */
import { FLOW_ERRORS, type FlowResult, parseAddress, parseFlowService } from '../lookup/flow.js';
import type { DecisionTable } from '../lookup/table.js';
import { serviceKey } from '../model/services.js';
import { didYouMean } from '../model/suggest.js';
import { serviceRanges, type ServiceRange } from '../model/types.js';
import { describeValue } from '../validate/schema-words.js';
import { looksLikeAddress, selectorOf } from './parse.js';
import { touchServices } from './ranges.js';

/**
 * Whether a side is meant as a name rather than an address: `tier:…`, or text that cannot be an
 * address (no slash, colon or %, not digits and dots). Empty text stays an address, refused there.
 */
export function isSideName(text: string): boolean {
  return text.startsWith('tier:') || (text !== '' && !looksLikeAddress(text));
}

/** Text that is meant as a literal service (tcp/…, udp/…, icmp, icmpv6, proto/…, any), not a name. */
function looksLikeServiceLiteral(text: string): boolean {
  return text === '' || text === 'any' || text.includes('/') || /^(tcp|udp|icmp|icmpv6|proto)$/.test(text);
}

/**
 * Whether a service is meant as a name of the rule set: the flow parser refuses it and it does
 * not look like a literal. (A flow service it accepts, `tcp/443`, is never a name.)
 */
export function isServiceName(text: string, scratch: FlowResult): boolean {
  return parseFlowService(text, scratch) === FLOW_ERRORS.service && !looksLikeServiceLiteral(text);
}

/**
 * Why a side or service cannot be answered. `usage`: a name the rule set does not have (the
 * caller's mistake, exit 2); otherwise the text is a malformed address or service (bad input).
 */
export interface NameError {
  usage: boolean;
  message: string;
  /** The message in Japanese for an unknown name (usage); a flow error's reason is translated by flowError. */
  ja?: string;
}

export interface Side {
  /** Segments the side stands for, ascending, no repeats. */
  segments: number[];
  /** The address as the caller wrote it when the side is one address, else null. */
  address: string | null;
}

const SIDE_HINT = {
  en: '; write an address, a segment or group name, outside or tier:<tier>',
  ja: '。アドレス、セグメント名、グループ名、outside または tier:<層> を書いてください',
};

/** One side: a name (segments) or an address (its one segment). */
export function resolveSide(table: DecisionTable, text: string, scratch: FlowResult): Side | NameError {
  if (isSideName(text)) {
    const segments = selectorOf(table.model, text, SIDE_HINT);
    return Array.isArray(segments) ? { segments, address: null } : { usage: true, message: segments.en, ja: segments.ja };
  }
  const err = parseAddress(text, scratch.words);
  if (err !== null) return { usage: false, message: err };
  return { segments: [table.segment6(scratch.words, 0)], address: text };
}

const SERVICE_HINT = '; write tcp/443, udp/53, icmp, icmpv6, proto/47 or a service name of the rule set';
const SERVICE_HINT_JA = '。tcp/443、udp/53、icmp、icmpv6、proto/47 またはルールセットのサービス名を書いてください';

/** The service: a name of the rule set (its ranges) or one flow service (one key). */
export function resolveService(table: DecisionTable, text: string, scratch: FlowResult): ServiceRange[] | NameError {
  const err = parseFlowService(text, scratch);
  if (err === null) {
    const key = serviceKey(scratch.proto, scratch.port);
    return [{ lo: key, hi: key }];
  }
  if (err !== FLOW_ERRORS.service || looksLikeServiceLiteral(text)) return { usage: false, message: err };
  const named = table.model.services.get(text);
  if (named) return serviceRanges(named);
  return {
    usage: true,
    message: `no service named ${describeValue(text)}${didYouMean(text, table.model.services.keys()) || SERVICE_HINT}`,
    ja: `${describeValue(text)} という名前のサービスはありません${didYouMean(text, table.model.services.keys(), 'ja') || SERVICE_HINT_JA}`,
  };
}

/** One decision of one segment pair, and the flows of the service it covers there. */
export interface PairAnswer {
  src: number;
  dst: number;
  /** Decision id (table.decision(id)). */
  decision: number;
  /** The service's key ranges this decision covers in the pair, ascending (may hold keys that are no flow, e.g. tcp port 0). */
  ranges: ServiceRange[];
}

/** The number of segment pairs two sides stand for. */
export function pairCount(src: Side, dst: Side): number {
  return src.segments.length * dst.segments.length;
}

/**
 * Every (source, destination) segment pair in order (source segment, then destination, in the
 * rule set's order), each with its decisions over the service: one answer per distinct decision,
 * the one covering the service's preferred flow first (tcp, then udp, icmp, …, lowest port).
 * The caller bounds the pairs (pairCount) before asking.
 */
export function decidePairs(table: DecisionTable, src: readonly number[], dst: readonly number[], services: readonly ServiceRange[]): PairAnswer[] {
  const pieces = new Map<number, ServiceRange[]>();
  const { classes, order } = touchServices(table, services, pieces);
  const byVector = new Map<number, { decision: number; ranges: ServiceRange[] }[]>();
  const vectorAnswers = (v: number) => {
    let list = byVector.get(v);
    if (list) return list;
    const by = new Map<number, { decision: number; ranges: ServiceRange[]; order: number }>();
    for (const c of classes) {
      const d = table.cellOfVector(v, c);
      const o = order[c]!;
      const e = by.get(d);
      if (e) {
        e.ranges.push(...pieces.get(c)!);
        if (o < e.order) e.order = o;
      } else by.set(d, { decision: d, ranges: [...pieces.get(c)!], order: o });
    }
    list = [...by.values()].sort((a, b) => a.order - b.order).map(({ decision, ranges }) => ({ decision, ranges: ranges.sort((a, b) => a.lo - b.lo) }));
    byVector.set(v, list);
    return list;
  };
  const out: PairAnswer[] = [];
  for (const s of src) {
    for (const d of dst) {
      for (const a of vectorAnswers(table.vectorOf(table.srcClass[s]!, table.dstClass[d]!))) out.push({ src: s, dst: d, decision: a.decision, ranges: a.ranges });
    }
  }
  return out;
}

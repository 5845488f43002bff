/**
 * A flow as text (two addresses and a service) → a decision, allocating nothing on the happy
 * path: the text parsers (parse-text.ts) write integers into a reusable FlowResult, and the
 * table answers from them. The parsers over bytes (parse-bytes.ts) and the batch that decides
 * flows read from bytes (flow-batch.ts) serve the NDJSON route; they are re-exported here so
 * callers import flows from one place.
 */
import { parseAddress, parseFlowService, type FlowField, type FlowResult } from './parse-text.js';
import type { DecisionTable } from './table.js';

export { FLOW_ERRORS, FLOW_ERRORS_JA, flowReason, FlowResult, parseAddress, parseFlowService, type FlowField } from './parse-text.js';
export { addressValue, serviceValue } from './parse-bytes.js';
export { FlowBatch } from './flow-batch.js';

function fail(out: FlowResult, field: FlowField, reason: string): false {
  out.field = field;
  out.reason = reason;
  out.decision = -1;
  return false;
}

/** Parses and decides one flow. True: out.srcSeg/dstSeg/proto/port/decision are set. */
export function resolveFlow(table: DecisionTable, src: string, dst: string, service: string, out: FlowResult): boolean {
  out.field = null;
  out.reason = null;
  const w = out.words;
  let err = parseAddress(src, w);
  if (err !== null) return fail(out, 'src', err);
  out.srcSeg = table.segment6(w, 0);
  err = parseAddress(dst, w);
  if (err !== null) return fail(out, 'dst', err);
  out.dstSeg = table.segment6(w, 0);
  err = parseFlowService(service, out);
  if (err !== null) return fail(out, 'service', err);
  out.decision = table.decideSegments(out.srcSeg, out.dstSeg, out.proto, out.port);
  return true;
}

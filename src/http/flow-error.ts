/**
 * The error a flow that cannot be decided is answered with, the same in every route that decides
 * flows (single, JSON batch, NDJSON line): the field, the caller's value quoted back (bounded),
 * and the parser's reason.
 */
import type { FlowField } from '../lookup/flow.js';

/** Longest value quoted back in an error: the caller's own input, bounded. */
const QUOTE_MAX = 64;

function quote(value: string): string {
  return JSON.stringify(value.length > QUOTE_MAX ? `${value.slice(0, QUOTE_MAX)}…` : value);
}

export function flowError(field: FlowField, value: string, reason: string): string {
  return `${field} ${quote(value)}: ${reason}`;
}

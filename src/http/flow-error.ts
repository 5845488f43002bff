/**
 * The error a flow that cannot be decided is answered with, the same in every route that decides
 * flows (single, JSON batch, NDJSON line): the field, the caller's value quoted back (bounded),
 * and the parser's reason, in English or Japanese.
 */
import type { Lang } from '../i18n/messages.js';
import { flowReason, type FlowField } from '../lookup/flow.js';

/** The fields as Japanese messages name them. */
const FIELD_JA: Record<FlowField, string> = { src: '送信元', dst: '宛先', service: 'サービス' };

/** Longest value quoted back in an error: the caller's own input, bounded. */
const QUOTE_MAX = 64;

function quote(value: string): string {
  return JSON.stringify(value.length > QUOTE_MAX ? `${value.slice(0, QUOTE_MAX)}…` : value);
}

export function flowError(field: FlowField, value: string, reason: string, lang: Lang = 'en'): string {
  if (lang === 'ja') return `${FIELD_JA[field]}（${field}）${quote(value)}: ${flowReason(reason, 'ja')}`;
  return `${field} ${quote(value)}: ${reason}`;
}

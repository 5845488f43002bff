/**
 * What the NDJSON contract answers one line, stated from the safe parser alone (no fast path) for
 * the tests that hold the route to it (ndjson-bytes, ndjson-shapes): the route reads common lines
 * another way and must answer every line exactly like this. Error texts are written out here, not
 * taken from the code under test (docs/service.md: errors follow Accept-Language).
 */
import { parseJson } from '../../src/http/json.js';
import { FlowResult, flowReason, resolveFlow } from '../../src/lookup/flow.js';
import type { DecisionTable } from '../../src/lookup/table.js';

const FIELD_JA = { src: '送信元', dst: '宛先', service: 'サービス' } as const;
const NOT_A_FLOW = {
  en: 'expected an object with exactly the string keys src, dst and service',
  ja: 'src、dst、service の三つの文字列のキーだけを持つオブジェクトを送ってください',
};

function flowErrorText(field: 'src' | 'dst' | 'service', value: string, reason: string, lang: 'en' | 'ja'): string {
  const quoted = JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  return lang === 'ja' ? `${FIELD_JA[field]}（${field}）${quoted}: ${flowReason(reason, 'ja')}` : `${field} ${quoted}: ${reason}`;
}

/** Line n's answer: its error, or the flow it decides (`out` filled in by resolveFlow). */
export type LineAnswer = { line: number; error: string } | { src: string; dst: string; out: FlowResult };

export function contractAnswer(table: DecisionTable, line: string, n: number, lang: 'en' | 'ja'): LineAnswer {
  const p = parseJson(line);
  if (!p.ok) return { line: n, error: lang === 'ja' ? p.ja : p.reason };
  const v = p.value as Record<string, unknown>;
  if (
    v === null ||
    typeof v !== 'object' ||
    Array.isArray(v) ||
    typeof v.src !== 'string' ||
    typeof v.dst !== 'string' ||
    typeof v.service !== 'string' ||
    Object.keys(v).length !== 3
  ) {
    return { line: n, error: NOT_A_FLOW[lang] };
  }
  const out = new FlowResult();
  if (!resolveFlow(table, v.src, v.dst, v.service, out)) return { line: n, error: flowErrorText(out.field!, v[out.field!] as string, out.reason!, lang) };
  return { src: v.src, dst: v.dst, out };
}

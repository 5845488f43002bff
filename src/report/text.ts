/**
 * The line format of docs/validate.md, one problem a line: `FILE:LINE:COL: error|warning CODE message`.
 * Editors' and CI problem matchers read it line by line, so a message or file name can never
 * break a line: control characters are written as escapes (\n, \r, \t, \u001b), which also
 * keeps a hostile rule file from sending escape sequences to a terminal.
 */
import type { Formatter } from './meta.js';
import { ordered } from './meta.js';

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export function escapeLine(s: string): string {
  return s.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

export const formatText: Formatter = (problems) =>
  ordered(problems)
    .map((p) => `${escapeLine(p.loc.file)}:${p.loc.line}:${p.loc.col}: ${p.severity} ${p.code} ${escapeLine(p.message)}\n`)
    .join('');

/**
 * The line format of docs/validate.md, one problem a line: `FILE:LINE:COL: error|warning CODE message`.
 * Editors' and CI problem matchers read it line by line, so a message or file name can never
 * break a line: control characters are written as escapes (problems/escape.ts), which also
 * keeps a hostile rule file from sending escape sequences to a terminal.
 */
import type { Formatter } from './meta.js';
import { messageOf, ordered } from './meta.js';
import { escapeLine } from '../problems/escape.js';

export { escapeLine } from '../problems/escape.js';

export const formatText: Formatter = (problems, meta) =>
  ordered(problems)
    .map((p) => `${escapeLine(p.loc.file)}:${p.loc.line}:${p.loc.col}: ${p.severity} ${p.code} ${escapeLine(messageOf(p, meta))}\n`)
    .join('');

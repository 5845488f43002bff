import type { Lang } from '../i18n/messages.js';
import type { Location } from '../source/location.js';
import { CODES, type ProblemCode } from './codes.js';

export type Severity = 'error' | 'warning';

/**
 * One finding about a rule set. Nothing in the pipeline throws on bad input: it pushes these.
 * Every problem carries its message in both languages, made when the problem is made: a report
 * in either language is then a choice of field, never a translation after the fact, and a
 * message without Japanese does not compile (problem() requires both).
 */
export interface Problem {
  code: ProblemCode;
  severity: Severity;
  /** The message in English: what reports print by default. */
  message: string;
  /** The same message in Japanese, in the basic policy's words (--lang ja). */
  ja: string;
  loc: Location;
}

export function problem(code: ProblemCode, loc: Location, en: string, ja: string): Problem {
  return { code, severity: CODES[code].severity, message: en, ja, loc };
}

/** A problem's message in the language asked for. */
export function problemMessage(p: Pick<Problem, 'message' | 'ja'>, lang: Lang): string {
  return lang === 'ja' ? p.ja : p.message;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** Stable order for every report: file, line, column, then code. */
export function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort(
    (a, b) =>
      (a.loc.file < b.loc.file ? -1 : a.loc.file > b.loc.file ? 1 : 0) || a.loc.line - b.loc.line || a.loc.col - b.loc.col || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

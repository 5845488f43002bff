import type { Location } from '../source/location.js';
import { CODES, type ProblemCode } from './codes.js';

export type Severity = 'error' | 'warning';

/** One finding about a rule set. Nothing in the pipeline throws on bad input: it pushes these. */
export interface Problem {
  code: ProblemCode;
  severity: Severity;
  message: string;
  loc: Location;
}

export function problem(code: ProblemCode, loc: Location, message: string): Problem {
  return { code, severity: CODES[code].severity, message, loc };
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

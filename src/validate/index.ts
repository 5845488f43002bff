/**
 * The whole of `sanso validate` as a library call (docs/validate.md), in two passes as the stages run:
 * read and schema-check every file (all their problems are reported), and only when that is
 * clean, build the model and analyse it. Merging files that failed a pass would only add
 * problems that are echoes of the first (an unknown name defined in the file that did not parse).
 */
import { analyzeCompiled } from '../compile/analysis.js';
import { compileWithInternals } from '../compile/compile.js';
import type { DecisionTable } from '../lookup/table.js';
import { buildModel } from '../model/build.js';
import { todayIn } from '../model/dates.js';
import type { Model } from '../model/types.js';
import { hasErrors, sortProblems, type Problem } from '../problems/problem.js';
import { readRuleSources, type RuleSnapshot } from '../source/read.js';
import { checkSchema } from './schema.js';

export interface ValidateOptions {
  /** The date exceptions are judged on, YYYY-MM-DD; default today in policy.timezone. */
  asOf?: string;
  /** The files' bytes, read already (source/read.ts snapshotRuleSources); default: read now. */
  snapshot?: RuleSnapshot;
  /** EXCEPTION-EXPIRING horizon in days (default 30; 0 turns it off). */
  warnExpiringDays?: number;
}

export interface ValidationResult {
  /** The loaded rule set; null exactly when any error was found. */
  model: Model | null;
  /** Every problem, sorted by file, line, column and code. */
  problems: Problem[];
  /** "sha256:…" over the files' names and bytes in merge order. */
  version: string;
  /** Every rule file found, in merge order, including those that could not be read or parsed. */
  files: string[];
  /** The date exceptions were judged on; null when no model was built. */
  asOf: string | null;
  /**
   * The table the analysis compiled (judged on `asOf`); null exactly when `model` is. Loading a
   * policy serves this table rather than compiling the model a second time.
   */
  table: DecisionTable | null;
  /**
   * False when syntax or schema errors stopped the load before the semantic checks (names,
   * flows, exceptions, the tier model): the report is then not the whole story, and says so.
   */
  semanticChecked: boolean;
  /** When semanticChecked is false: the files (or paths) whose errors stopped the load, in report order. */
  semanticSkippedBy: string[];
}

export function validateRuleSet(paths: readonly string[], opts: ValidateOptions = {}): ValidationResult {
  const read = readRuleSources(paths, opts.snapshot);
  const problems: Problem[] = [...read.problems];
  for (const file of read.files) problems.push(...checkSchema(file));
  // One instant for the whole load, so that expiry warnings, analysis and the compiled table
  // cannot judge exceptions on two different dates when a load straddles midnight.
  const now = new Date();
  let asOf: string | null = null;
  let table: DecisionTable | null = null;
  let semanticChecked = false;
  const done = (model: Model | null): ValidationResult => {
    const ok = model !== null && !hasErrors(problems);
    const sorted = sortProblems(problems);
    return {
      model: ok ? model : null,
      problems: sorted,
      version: read.version,
      files: read.names,
      asOf,
      table: ok ? table : null,
      semanticChecked,
      semanticSkippedBy: semanticChecked ? [] : [...new Set(sorted.filter((p) => p.severity === 'error').map((p) => p.loc.file))],
    };
  };
  if (hasErrors(problems)) return done(null);

  semanticChecked = true;
  const built = buildModel(read.files, read.version, {
    ...(opts.asOf !== undefined ? { asOf: opts.asOf } : {}),
    ...(opts.warnExpiringDays !== undefined ? { warnExpiringDays: opts.warnExpiringDays } : {}),
    now,
  });
  problems.push(...built.problems);
  if (!built.model) return done(null);

  asOf = opts.asOf ?? todayIn(built.model.policy.timezone, now);
  const compiled = compileWithInternals(built.model, { asOf });
  table = compiled.table;
  problems.push(...analyzeCompiled(built.model, compiled));
  return done(built.model);
}

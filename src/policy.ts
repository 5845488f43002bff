/**
 * Loading a policy: validate the rule files (docs/validate.md), then compile the decision table. A rule
 * set with errors is never loaded — callers print the problems and keep whatever they had.
 */
import type { DecisionTable } from './lookup/table.js';
import type { Model } from './model/types.js';
import type { Problem } from './problems/problem.js';
import type { RuleSnapshot } from './source/read.js';
import { validateRuleSet } from './validate/index.js';

export interface LoadedPolicy {
  model: Model;
  table: DecisionTable;
  /** "sha256:…" over the rule files; every decision reports it. */
  version: string;
  loadedAt: Date;
  /** The date exceptions were judged on (YYYY-MM-DD). */
  asOf: string;
  /** The rule set's warnings (it has no errors, or it would not have loaded). */
  warnings: Problem[];
}

export interface LoadOptions {
  /** YYYY-MM-DD; default today in policy.timezone. */
  asOf?: string;
  /** The rule files' bytes, read already: the load parses exactly these. */
  snapshot?: RuleSnapshot;
}

export function loadPolicy(paths: readonly string[], opts: LoadOptions = {}): { policy: LoadedPolicy | null; problems: Problem[] } {
  const result = validateRuleSet(paths, { ...(opts.asOf === undefined ? {} : { asOf: opts.asOf }), ...(opts.snapshot ? { snapshot: opts.snapshot } : {}) });
  const { model, table, asOf } = result;
  // validateRuleSet compiled the table its analysis read; a valid rule set always has both.
  if (model === null || table === null || asOf === null) return { policy: null, problems: result.problems };
  return {
    policy: { model, table, version: model.version, loadedAt: new Date(), asOf, warnings: result.problems },
    problems: result.problems,
  };
}

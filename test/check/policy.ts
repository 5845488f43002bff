/**
 * A rule set given as data (the raw form test/reference reads) → the loaded policy `check` needs,
 * in memory: each file's JSON text goes through the same reader, model builder and compiler as
 * rule files on disk. Analysis is skipped on purpose: a generated rule set may hold an allow rule
 * the ceiling forbids (an error that stops `sanso` loading it) yet is semantically inert.
 */
import { compile } from '../../src/compile/compile.js';
import type { DecisionTable } from '../../src/lookup/table.js';
import { buildModel } from '../../src/model/build.js';
import type { Model } from '../../src/model/types.js';
import type { Problem } from '../../src/problems/problem.js';
import { parseRuleBytes, type SourceFile } from '../../src/source/read.js';
import type { RuleFile } from '../reference/arbitrary.js';

export interface TestPolicy {
  model: Model;
  table: DecisionTable;
  version: string;
}

export function policyOf(files: readonly RuleFile[], asOf: string): TestPolicy {
  const problems: Problem[] = [];
  const sources: SourceFile[] = [];
  for (const f of files) {
    const source = parseRuleBytes(f.name, Buffer.from(JSON.stringify(f.data)), problems);
    if (source) sources.push(source);
  }
  const built = buildModel(sources, 'sha256:test', { asOf });
  problems.push(...built.problems.filter((p) => p.severity === 'error'));
  if (!built.model || problems.length > 0) {
    throw new Error(`test rule set does not build:\n${problems.map((p) => `${p.loc.file}:${p.loc.line}: ${p.code} ${p.message}`).join('\n')}`);
  }
  return { model: built.model, table: compile(built.model, { asOf }), version: built.model.version };
}

/**
 * Test helper: a Model from rule-file YAML text, through the real reader and model builder (the
 * schema pass is the validator's business and is skipped). Throws with the problems when the
 * rule text itself is wrong, so a typo in a test fails loudly instead of testing nothing.
 */
import { buildModel } from '../../src/model/build.js';
import type { Model } from '../../src/model/types.js';
import type { Problem } from '../../src/problems/problem.js';
import { parseRuleBytes } from '../../src/source/read.js';

export const AS_OF = '2026-06-15';

export function modelOf(yaml: string, asOf = AS_OF): Model {
  const problems: Problem[] = [];
  const file = parseRuleBytes('test.yaml', Buffer.from(yaml), problems);
  if (!file) throw new Error(problems.map((p) => `${p.loc.line}:${p.loc.col} ${p.code} ${p.message}`).join('\n'));
  const built = buildModel([file], 'sha256:test', { asOf });
  if (!built.model) throw new Error(built.problems.map((p) => `${p.loc.line}:${p.loc.col} ${p.code} ${p.message}`).join('\n'));
  return built.model;
}

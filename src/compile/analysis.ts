/**
 * Rule-set analysis that needs the compiled table (SPEC §3): allow rules the ceiling forbids in
 * whole or in part, shadowed rules, needless exceptions. Filled in by the compiler work (issue 3);
 * this signature is what validate/ calls.
 */
import type { Model } from '../model/types.js';
import type { Problem } from '../problems/problem.js';

export function analyzeModel(model: Model, opts: { asOf: string }): Problem[] {
  void model;
  void opts;
  return [];
}

/** What a scenario file exports and what it gets to work with. */
import type { RuleSet } from './rulesets.js';

export interface Target {
  op: '>=' | '<=';
  value: number;
}

/** One measured figure: a line of the printed table and of results.json. */
export interface Row {
  scenario: string;
  /** The rule set measured on (`sample`, `prefecture`), or `-`. */
  set: string;
  /** What was measured: `sanso decide4`, `reference evaluator`, `cedar-wasm`, … */
  subject: string;
  metric: string;
  value: number;
  unit: string;
  /** How many runs the value is the median of. */
  runs: number;
  target?: Target;
  met?: boolean;
  /** value ÷ the figure it is compared with in the same run (e.g. sanso ÷ ceiling server). */
  ratio?: { to: string; value: number };
  note?: string;
}

export interface Context {
  quick: boolean;
  /** Runs to take the median of: `full` normally, `quick` with --quick. */
  runs(full: number, quick: number): number;
  /** A rule set, loaded (validated and compiled) once per process. */
  set(name: SetName): Promise<RuleSet>;
  log(line: string): void;
}

export type SetName = 'sample' | 'prefecture';
export const SET_NAMES: readonly SetName[] = ['sample', 'prefecture'];

export interface Scenario {
  name: string;
  title: string;
  run(ctx: Context): Promise<Row[]>;
}

export function row(r: Omit<Row, 'met'>): Row {
  const out: Row = { ...r };
  if (r.target) out.met = r.target.op === '>=' ? r.value >= r.target.value : r.value <= r.target.value;
  return out;
}

/**
 * How device parsers report what they cannot take in. One place decides what `--lenient` does:
 * an error becomes a warning, and the parser goes on as its caller documents (docs/audit-linux.md):
 * an unreadable condition is left out of its rule, an unknown target decides nothing.
 */
import type { ProblemCode } from '../problems/codes.js';
import type { Chain, DeviceLocation, DeviceProblem, DeviceRule } from './types.js';

export type DeviceCode = Extract<ProblemCode, `DEVICE-${string}`>;

export class Reporter {
  readonly problems: DeviceProblem[] = [];
  constructor(private readonly lenient: boolean) {}

  /** A problem that --lenient turns into a warning. */
  fail(code: DeviceCode, loc: DeviceLocation, message: string): void {
    this.problems.push({ severity: this.lenient ? 'warning' : 'error', code, message, loc });
  }

  /** A problem that stays an error even with --lenient: sanso cannot build the device at all. */
  fatal(code: DeviceCode, loc: DeviceLocation, message: string): void {
    this.problems.push({ severity: 'error', code, message, loc });
  }
}

/**
 * The chains reachable from the entry chains, and the loops among them (each loop once, as the
 * list of chain names around it). Targets naming a chain that does not exist are left to the
 * parser (it reports DEVICE-REFERENCE where it reads them).
 */
export function reachable(chains: Map<string, Chain>, entry: readonly string[]): { names: Set<string>; loops: { chain: string; rule: DeviceRule; cycle: string[] }[] } {
  const names = new Set<string>();
  const loops: { chain: string; rule: DeviceRule; cycle: string[] }[] = [];
  const state = new Map<string, 1 | 2>(); // 1: on the stack, 2: done
  const stack: string[] = [];
  const visit = (name: string): void => {
    const chain = chains.get(name);
    if (!chain) return;
    names.add(name);
    state.set(name, 1);
    stack.push(name);
    for (const rule of chain.rules) {
      const t = rule.target;
      if (t.kind !== 'jump' && t.kind !== 'goto') continue;
      const s = state.get(t.chain);
      if (s === 1) loops.push({ chain: name, rule, cycle: [...stack.slice(stack.indexOf(t.chain)), t.chain] });
      else if (s === undefined) visit(t.chain);
    }
    stack.pop();
    state.set(name, 2);
  };
  for (const e of entry) if (!state.has(e)) visit(e);
  return { names, loops };
}

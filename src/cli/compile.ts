/**
 * `sanso compile`: compiles the rule set and prints the decision table's statistics, so an
 * administrator sees what the table costs (and CI can watch it grow). Exit 0, or 1 with the
 * validator's report when the rule set has errors.
 */
import { parse } from './args.js';
import { loadForCommand } from './decide.js';
import { EXIT, type Io } from './io.js';

export const COMPILE_USAGE = `usage: sanso compile [options]

Compiles the rule set into the decision table and prints its statistics.

options:
  --json              print the statistics as one JSON object
  --rules PATH        rule file or directory (default rules/)
  --as-of YYYY-MM-DD  the date exceptions are judged on (default: today in policy.timezone)
`;

const OPTIONS = { json: { type: 'boolean', default: false } } as const;

const num = (n: number): string => n.toLocaleString('en-US');

export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, OPTIONS, false);
  if (values.help) {
    io.stdout(COMPILE_USAGE);
    return EXIT.OK;
  }
  const policy = loadForCommand(values.rules, values['as-of'], io);
  if (!policy) return EXIT.BAD_INPUT;
  const { model, table } = policy;
  const s = table.stats;
  const active = model.exceptions.filter((e) => e.expires >= policy.asOf).length;
  if (values.json) {
    io.stdout(
      `${JSON.stringify({
        policy: model.policy.name,
        policyVersion: policy.version,
        asOf: policy.asOf,
        flows: model.flows.length,
        exceptions: model.exceptions.length,
        activeExceptions: active,
        warnings: policy.warnings.length,
        ...s,
      })}\n`,
    );
    return EXIT.OK;
  }
  const rows: [string, string][] = [
    ['policy', `${model.policy.name} (${policy.version})`],
    ['as of', policy.asOf],
    ['rules', `${num(model.flows.length)} flows, ${num(active)} of ${num(model.exceptions.length)} exceptions active, ${num(policy.warnings.length)} warnings`],
    ['segments', num(s.segments)],
    ['address intervals', `${num(s.intervals4)} IPv4, ${num(s.intervals6)} IPv6`],
    ['service classes', num(s.serviceClasses)],
    ['address classes', `${num(s.srcClasses)} source × ${num(s.dstClasses)} destination`],
    ['decision vectors', `${num(s.vectors)} (${num(s.decisions)} distinct decisions)`],
    ['table cells', num(s.cells)],
    ['table size', `${num(s.bytes)} bytes`],
    ['compile time', `${s.compileMs} ms`],
  ];
  io.stdout(rows.map(([k, v]) => `${k.padEnd(18)} ${v}\n`).join(''));
  return EXIT.OK;
}

/**
 * `sanso decide SRC DST SERVICE` and `sanso decide --batch FILE|-` (docs/decisions.md). One flow: exit 0
 * allow, 3 deny. A batch: one JSON decision per input line in the same order, a bad line
 * answered in its place with {"line":N,"error":…}; exit 1 if any line was bad, else 0.
 */
import { FlowResult, resolveFlow } from '../lookup/flow.js';
import { flowError } from '../http/flow-error.js';
import { decisionObject, renderDecision } from '../lookup/render.js';
import type { Lang } from '../i18n/messages.js';
import { loadPolicy, type LoadedPolicy } from '../policy.js';
import { formatText } from '../report/text.js';
import { toolInfo } from '../report/tool.js';
import { formatServiceKey, serviceKey } from '../model/services.js';
import { mustExist, parse } from './args.js';
import { answerCsvFlows, type CsvTally } from './flow-csv.js';
import { EXIT, UsageError, type Io } from './io.js';
import { isServiceName, isSideName } from '../check/names.js';
import { decisionText, MAX_PAIRS, runByNames } from './decide-names.js';

export const DECIDE_USAGE = `usage: sanso decide SRC DST SERVICE [options]
       sanso decide --batch FILE|- [options]

Decides flows against the rule set (docs/decisions.md). One flow: exit 0 allow, 3 deny, 1 bad input.
SRC and DST are addresses, or names: a segment or group, outside or tier:<tier> (every segment
pair they stand for is answered). SERVICE is tcp/PORT, udp/PORT, icmp, icmpv6, proto/N or a
service name of the rule set. With names: exit 0 when every answer allows, 3 when any denies.

options:
  --json              print the decision object (one line of JSON)
  --max-pairs N       with names: answer at most N segment pairs, else exit 2 (default 1000)
  --batch FILE|-      CSV lines src,dst,service from FILE or standard input; one JSON decision
                      per line out, in order. Fields may be quoted ("a,b", "" for a quote);
                      a BOM and CRLF are accepted. Blank lines, lines starting with # and a
                      first line "src,dst,service" are skipped. A bad line is answered with
                      {"line":N,"error":"…"} in its place (N counts every input line from 1)
                      and the exit code is then 1. At a terminal, a count of allowed, denied
                      and bad lines follows on standard error.
  --lang en|ja        language of the message (default en)
  --rules PATH        rule file or directory (default rules/)
  --as-of YYYY-MM-DD  the date exceptions are judged on (default: today in policy.timezone)
`;

const OPTIONS = {
  json: { type: 'boolean', default: false },
  batch: { type: 'string' },
  'max-pairs': { type: 'string' },
} as const;

/**
 * Loads the rule set for a command; with errors, prints the validator's report to stderr and
 * returns null (the caller exits 1). Shared by the commands that need a policy.
 */
export function loadForCommand(rules: string, asOf: string | undefined, io: Io, lang: Lang = 'en'): LoadedPolicy | null {
  mustExist(rules, '--rules');
  const { policy, problems } = loadPolicy([rules], asOf === undefined ? {} : { asOf });
  if (policy) return policy;
  io.stderr(formatText(problems, { files: [rules], version: '', tool: toolInfo(), lang }));
  io.stderr(lang === 'ja' ? `sanso: ${rules} のルールセットにエラーがあるため、読み込みません\n` : `sanso: the rule set in ${rules} has errors; it is not loaded\n`);
  return null;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help) {
    io.stdout(DECIDE_USAGE);
    return EXIT.OK;
  }
  const lang = values.lang as Lang;
  if (values.batch !== undefined) {
    if (positionals.length > 0) throw new UsageError('decide --batch takes no SRC DST SERVICE arguments');
    mustExist(values.batch, '--batch');
    const policy = loadForCommand(values.rules, values['as-of'], io, lang);
    if (!policy) return EXIT.BAD_INPUT;
    return batch(policy, values.batch, lang, io);
  }
  if (positionals.length !== 3) throw new UsageError(`decide takes SRC DST SERVICE (got ${positionals.length} argument${positionals.length === 1 ? '' : 's'})`);
  const [src, dst, service] = positionals as [string, string, string];
  const maxPairs = values['max-pairs'] === undefined ? MAX_PAIRS : Number(values['max-pairs']);
  if (!Number.isInteger(maxPairs) || maxPairs < 1) throw new UsageError(`--max-pairs takes a whole number ≥ 1, not "${values['max-pairs']}"`);
  const policy = loadForCommand(values.rules, values['as-of'], io, lang);
  if (!policy) return EXIT.BAD_INPUT;
  const out = new FlowResult();
  // Addresses and a flow service take the path they always did; a name anywhere asks by names.
  if (isSideName(src) || isSideName(dst) || isServiceName(service, out)) return runByNames(policy, { src, dst, service }, { json: values.json, lang, maxPairs }, io);
  if (!resolveFlow(policy.table, src, dst, service, out)) {
    const field = out.field!;
    io.stderr(`sanso: ${flowError(field, field === 'src' ? src : field === 'dst' ? dst : service, out.reason!, lang)}\n`);
    return EXIT.BAD_INPUT;
  }
  const { table } = policy;
  if (values.json) io.stdout(`${renderDecision(table, out.decision, out.srcSeg, out.dstSeg, src, dst, lang)}\n`);
  else {
    const d = decisionObject(table, out.decision, out.srcSeg, out.dstSeg, src, dst, lang);
    const side = (address: string, s: typeof d.src) => ({ address, segment: s.segment, tier: s.tier });
    io.stdout(decisionText({ ...d, src: side(src, d.src), dst: side(dst, d.dst) }, formatServiceKey(serviceKey(out.proto, out.port)), lang));
  }
  return table.decision(out.decision).decision === 'allow' ? EXIT.OK : EXIT.DENY;
}

const SUMMARY = {
  en: (flows: string, allowed: string, denied: string, errors: string, n: number, e: number) =>
    `${flows} flow${n === 1 ? '' : 's'}: ${allowed} allowed, ${denied} denied, ${errors} error${e === 1 ? '' : 's'}`,
  ja: (flows: string, allowed: string, denied: string, errors: string) => `${flows} 件: 許可 ${allowed}、拒否 ${denied}、エラー ${errors}`,
};

/** The line a person at a terminal sees after a batch (stderr only: scripts read stdout). */
export function batchSummary(allowed: number, denied: number, errors: number, lang: Lang): string {
  const n = allowed + denied + errors;
  const f = (x: number) => x.toLocaleString('en-US');
  return SUMMARY[lang](f(n), f(allowed), f(denied), f(errors), n, errors);
}

async function batch(policy: LoadedPolicy, source: string, lang: Lang, io: Io): Promise<number> {
  const { table } = policy;
  const allow = Uint8Array.from(table.decisions, (r) => (r.decision === 'allow' ? 1 : 0));
  let allowed = 0;
  const tally: CsvTally = { answered: 0, bad: 0, unreadable: false };
  const code = await answerCsvFlows(
    source,
    table,
    io,
    (src, dst, _service, out) => {
      allowed += allow[out.decision]!;
      return renderDecision(table, out.decision, out.srcSeg, out.dstSeg, src, dst, lang);
    },
    tally,
    lang,
  );
  if (io.stderrIsTTY && !tally.unreadable) io.stderr(`${batchSummary(allowed, tally.answered - allowed, tally.bad, lang)}\n`);
  return code;
}

/**
 * `sanso decide SRC DST SERVICE` and `sanso decide --batch FILE|-` (docs/decisions.md). One flow: exit 0
 * allow, 3 deny. A batch: one JSON decision per input line in the same order, a bad line
 * answered in its place with {"line":N,"error":…}; exit 1 if any line was bad, else 0.
 */
import { FlowResult, resolveFlow } from '../lookup/flow.js';
import { flowError } from '../http/flow-error.js';
import { decisionObject, renderDecision } from '../lookup/render.js';
import { METHOD_NAMES, TIER_NAMES, type Lang } from '../i18n/messages.js';
import { loadPolicy, type LoadedPolicy } from '../policy.js';
import { formatText } from '../report/text.js';
import { toolInfo } from '../report/tool.js';
import { formatServiceKey, serviceKey } from '../model/services.js';
import { mustExist, parse } from './args.js';
import { answerCsvFlows } from './flow-csv.js';
import { EXIT, UsageError, type Io } from './io.js';

export const DECIDE_USAGE = `usage: sanso decide SRC DST SERVICE [options]
       sanso decide --batch FILE|- [options]

Decides flows against the rule set (docs/decisions.md). One flow: exit 0 allow, 3 deny, 1 bad input.
SERVICE is tcp/PORT, udp/PORT, icmp, icmpv6 or proto/N.

options:
  --json              print the decision object (one line of JSON)
  --batch FILE|-      CSV lines src,dst,service from FILE or standard input; one JSON decision
                      per line out, in order. Blank lines, lines starting with # and a first
                      line "src,dst,service" are skipped. A bad line is answered with
                      {"line":N,"error":"…"} in its place (N counts every input line from 1)
                      and the exit code is then 1.
  --lang en|ja        language of the message (default en)
  --rules PATH        rule file or directory (default rules/)
  --as-of YYYY-MM-DD  the date exceptions are judged on (default: today in policy.timezone)
`;

const OPTIONS = {
  json: { type: 'boolean', default: false },
  batch: { type: 'string' },
} as const;

/** Longest input quoted back in an error message. */
/** Batch output is written in chunks of about this many characters. */

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
  const policy = loadForCommand(values.rules, values['as-of'], io, lang);
  if (!policy) return EXIT.BAD_INPUT;
  const out = new FlowResult();
  if (!resolveFlow(policy.table, src, dst, service, out)) {
    const field = out.field!;
    io.stderr(`sanso: ${flowError(field, field === 'src' ? src : field === 'dst' ? dst : service, out.reason!, lang)}\n`);
    return EXIT.BAD_INPUT;
  }
  const { table } = policy;
  if (values.json) io.stdout(`${renderDecision(table, out.decision, out.srcSeg, out.dstSeg, src, dst, lang)}\n`);
  else {
    const d = decisionObject(table, out.decision, out.srcSeg, out.dstSeg, src, dst, lang);
    const rule = d.rule === null ? '' : ` ${d.rule}`;
    const svc = formatServiceKey(serviceKey(out.proto, out.port));
    if (lang === 'ja') {
      // The tiers and the path in the basic policy's words; the code and rule id stay as they are.
      const tier = TIER_NAMES.ja;
      const via = d.sanitizer ? `（${d.sanitizer.segment} の${METHOD_NAMES.ja[d.sanitizer.method]}を経由）` : d.path === 'breakout' ? '（ローカルブレイクアウト）' : '';
      io.stdout(
        `${d.decision.toUpperCase()} ${d.code}${rule}: ${src}（${d.src.segment}、${tier[d.src.tier]}）→ ${dst}（${d.dst.segment}、${tier[d.dst.tier]}）${svc}${via}\n` +
          `  ${d.message}\n`,
      );
    } else {
      const via = d.sanitizer ? ` via ${d.sanitizer.segment} (${d.sanitizer.method})` : d.path === 'breakout' ? ' by local breakout' : '';
      io.stdout(
        `${d.decision.toUpperCase()} ${d.code}${rule}: ${src} (${d.src.segment}, ${d.src.tier}) → ${dst} (${d.dst.segment}, ${d.dst.tier}) ${svc}${via}\n` + `  ${d.message}\n`,
      );
    }
  }
  return table.decision(out.decision).decision === 'allow' ? EXIT.OK : EXIT.DENY;
}

async function batch(policy: LoadedPolicy, source: string, lang: Lang, io: Io): Promise<number> {
  const { table } = policy;
  return answerCsvFlows(source, table, io, (src, dst, _service, out) => renderDecision(table, out.decision, out.srcSeg, out.dstSeg, src, dst, lang), lang);
}

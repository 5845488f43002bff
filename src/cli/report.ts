/**
 * `sanso report --out FILE.html|FILE.pdf` (docs/report.md): the self-inspection report
 * (自己点検・監査) an auditor files — the three tiers drawn, the zone matrix, a checklist mapped to
 * the basic policy's clauses, exceptions, rule hygiene, and optionally firewall audit findings
 * and decision-log statistics. Exit 0 written, 1 bad input, 2 usage.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { audit, prepareDevice, type AuditResult, type PreparedDevice } from '../audit/audit.js';
import { AuditInputError, type InterfaceMap } from '../audit/partition.js';
import { DeviceFormatError, FORMAT_NAMES, parseDevice } from '../device/parse.js';
import type { DeviceFormat, DeviceProblem } from '../device/types.js';
import { buildInspection } from '../inspection/build.js';
import { summariseDecisionLog, type LogSummary } from '../inspection/decision-log.js';
import { renderReportHtml, type ReportLang } from '../inspection/html.js';
import { toolInfo } from '../report/tool.js';
import { escapeLine } from '../report/text.js';
import { MAX_FILE_BYTES } from '../source/read.js';
import { mustExist, parse } from './args.js';
import { loadInterfaces } from './audit.js';
import { loadForCommand } from './decide.js';
import { EXIT, UsageError, type Io } from './io.js';

export const REPORT_USAGE = `usage: sanso report --out FILE.html|FILE.pdf [options]

Writes the self-inspection report (自己点検・監査): cover (city, model, policy version, date,
rule files and their git commits), the three tiers drawn, the zone matrix, a checklist mapped
to the basic policy's clauses 5(3)ア, 5(3)イ, 5(3)ウ and 6 (適合 / 要確認 / 不適合), exceptions,
rule hygiene, and optionally firewall audit findings and decision-log statistics. HTML is one
self-contained file; PDF is printed with the system Chromium (/usr/bin/chromium).
See docs/report.md.

options:
  --out FILE          where to write; .html or .pdf (required)
  --audit DEVICE...   device configurations to audit (iptables-save, nft -j list ruleset)
  --device-format F   auto (default) | ${FORMAT_NAMES.join(' | ')}
  --interfaces FILE   interfaces → segments, for devices whose rules match interfaces
  --decision-log FILE the service's decision log (NDJSON), summarised
  --lang ja|en        ja (default): the report's headings and verdicts
  --rules PATH        rule file or directory (default rules/)
  --as-of YYYY-MM-DD  the inspection date (default: today in policy.timezone)

Exit 0 written; 1 bad input (rule errors, a device or log that cannot be read); 2 usage.
`;

const OPTIONS = {
  out: { type: 'string' },
  audit: { type: 'string', multiple: true },
  'device-format': { type: 'string', default: 'auto' },
  interfaces: { type: 'string' },
  'decision-log': { type: 'string' },
} as const;

function readText(file: string, io: Io): string | null {
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_FILE_BYTES * 8) {
      io.stderr(`sanso: ${file} is too large\n`);
      return null;
    }
    return bytes.toString('utf8');
  } catch (e) {
    io.stderr(`sanso: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return null;
  }
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help) {
    io.stdout(REPORT_USAGE);
    return EXIT.OK;
  }
  const out = values.out;
  if (out === undefined) throw new UsageError('report needs --out FILE.html or FILE.pdf');
  const kind = /\.pdf$/i.test(out) ? 'pdf' : /\.html?$/i.test(out) ? 'html' : null;
  if (kind === null) throw new UsageError(`--out must end in .html or .pdf, not "${out}"`);
  const devices = [...(values.audit ?? [])];
  if (positionals.length > 0) {
    if (devices.length === 0) throw new UsageError(`unexpected argument "${positionals[0]}" (device files follow --audit)`);
    devices.push(...positionals);
  }
  const deviceFormat = values['device-format'];
  if (deviceFormat !== 'auto' && !FORMAT_NAMES.includes(deviceFormat as DeviceFormat)) {
    throw new UsageError(`--device-format takes auto, ${FORMAT_NAMES.join(', ')}; not "${deviceFormat}"`);
  }
  // A path that does not exist is a usage error, as in every command (docs/validate.md).
  for (const d of devices) mustExist(d, '--audit');
  if (values.interfaces !== undefined) mustExist(values.interfaces, '--interfaces');
  if (values['decision-log'] !== undefined) mustExist(values['decision-log'], '--decision-log');
  // The report is Japanese unless English is asked for explicitly.
  const lang: ReportLang = args.some((a) => a === '--lang' || a.startsWith('--lang=')) ? (values.lang as ReportLang) : 'ja';

  const policy = loadForCommand(values.rules, values['as-of'], io);
  if (!policy) return EXIT.BAD_INPUT;

  let auditResult: AuditResult | null = null;
  if (devices.length > 0) {
    let ifaces: InterfaceMap | null = null;
    if (values.interfaces !== undefined) {
      ifaces = loadInterfaces(values.interfaces, policy, io);
      if (!ifaces) return EXIT.BAD_INPUT;
    }
    const prepared: PreparedDevice[] = [];
    const warnings: DeviceProblem[] = [];
    let bad = false;
    for (const file of devices) {
      const text = readText(file, io);
      if (text === null) {
        bad = true;
        continue;
      }
      let parsed;
      try {
        parsed = await parseDevice(text, file, deviceFormat as DeviceFormat | 'auto', { lenient: false });
      } catch (e) {
        if (!(e instanceof DeviceFormatError)) throw e;
        io.stderr(`sanso: ${e.message}\n`);
        bad = true;
        continue;
      }
      const errors = parsed.problems.filter((p) => p.severity === 'error');
      for (const p of errors) io.stderr(`${escapeLine(p.loc.file)}:${p.loc.line}:${p.loc.col}: error ${p.code} ${escapeLine(p.message)}\n`);
      if (errors.length > 0) {
        bad = true;
        continue;
      }
      warnings.push(...parsed.problems.filter((p) => p.severity === 'warning'));
      for (const device of parsed.devices) {
        try {
          prepared.push(prepareDevice(device, policy.table, ifaces));
        } catch (e) {
          if (!(e instanceof AuditInputError)) throw e;
          const loc = e.loc ?? { file, line: 1, col: 1 };
          io.stderr(`${escapeLine(loc.file)}:${loc.line}:${loc.col}: error ${e.code} ${escapeLine(e.message)}\n`);
          bad = true;
        }
      }
    }
    if (bad) return EXIT.BAD_INPUT;
    auditResult = audit(prepared, policy, warnings, { lang: 'ja' });
  }

  let log: LogSummary | null = null;
  if (values['decision-log'] !== undefined) {
    const text = readText(values['decision-log'], io);
    if (text === null) return EXIT.BAD_INPUT;
    log = summariseDecisionLog(text, policy.table);
  }

  const report = buildInspection(policy, { audit: auditResult, log });
  const html = renderReportHtml(report, { lang, tool: `sanso ${toolInfo().version}` });
  if (kind === 'html') {
    writeFileSync(out, html);
  } else {
    const { htmlToPdf } = await import('../inspection/pdf.js');
    const [pdf] = await htmlToPdf([html]);
    writeFileSync(out, pdf!);
  }
  const counts = { compliant: 0, review: 0, noncompliant: 0 };
  for (const c of report.checklist) counts[c.status]++;
  io.stdout(`sanso: wrote ${out}: 適合 ${counts.compliant}, 要確認 ${counts.review}, 不適合 ${counts.noncompliant}\n`);
  return EXIT.OK;
}

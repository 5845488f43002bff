/**
 * `sanso validate [PATH...]`: what CI runs (docs/validate.md). The report goes to stdout (or --output)
 * and nothing else does, so it can be piped straight into a SARIF upload or a JUnit collector;
 * the one-line human summary goes to stderr in every format.
 */
import { writeFileSync } from 'node:fs';
import { FORMATS, isFormatName, passes, semanticNote, summaryLine, type ReportMeta } from '../report/index.js';
import { toolInfo } from '../report/tool.js';
import { validateRuleSet } from '../validate/index.js';
import { mustExist, parse } from './args.js';
import { EXIT, UsageError, type Io } from './io.js';
import type { Lang } from '../i18n/messages.js';

const FORMAT_NAMES = Object.keys(FORMATS).join('|');

export const VALIDATE_USAGE = `usage: sanso validate [PATH...] [options]

Checks rule files and reports every problem; exit 0 no errors, 1 errors (with --strict,
warnings too), 2 usage. PATHs (files or directories) override --rules.

options:
  --rules PATH          rule file or directory when no PATH is given (default rules/)
  --format ${FORMAT_NAMES}
                        text (default): FILE:LINE:COL: error|warning CODE message
                        json: a document for scripts; sarif: SARIF 2.1.0 for code scanning;
                        github: workflow commands (pull-request annotations);
                        junit: JUnit XML for Jenkins and GitLab test reports
  --strict              warnings fail the run too (exit 1)
  --as-of YYYY-MM-DD    the date exceptions are judged on (default: today in policy.timezone)
  --output FILE, -o     write the report to FILE instead of stdout
  --warn-expiring DAYS  warn about exceptions expiring within DAYS days (default 30; 0: off)
  --lang en|ja          language of the problem messages and of the summary (default en);
                        codes, FILE:LINE:COL, JSON keys and SARIF rule texts stay as they are
`;

const OPTIONS = {
  format: { type: 'string', default: 'text' },
  strict: { type: 'boolean', default: false },
  output: { type: 'string', short: 'o' },
  'warn-expiring': { type: 'string' },
} as const;

/** Which files were read: a directory's contents are never a guess (docs/rules.md). */
export function filesReadLine(files: readonly string[], lang: Lang = 'en'): string {
  if (lang === 'ja') return files.length === 0 ? 'ルールファイルを一つも読んでいません' : `${files.length} ファイルを読みました: ${files.join(', ')}`;
  return files.length === 0 ? 'read no rule files' : `read ${files.length} file${files.length === 1 ? '' : 's'}: ${files.join(', ')}`;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help) {
    io.stdout(VALIDATE_USAGE);
    return EXIT.OK;
  }
  const format = values.format;
  if (!isFormatName(format)) throw new UsageError(`--format takes ${FORMAT_NAMES.replaceAll('|', ', ')}, not "${format}"`);
  const paths = positionals.length > 0 ? positionals : [values.rules];
  for (const p of paths) mustExist(p, positionals.length > 0 ? 'PATH' : '--rules');
  const asOf = values['as-of'];
  const warn = values['warn-expiring'];
  if (warn !== undefined && !/^\d{1,5}$/.test(warn)) throw new UsageError(`--warn-expiring takes a number of days (0 turns it off), not "${warn}"`);
  const result = validateRuleSet(paths, {
    ...(asOf === undefined ? {} : { asOf }),
    ...(warn === undefined ? {} : { warnExpiringDays: Number(warn) }),
  });

  const cwd = process.cwd();
  const meta: ReportMeta = {
    files: result.files,
    version: result.version,
    tool: toolInfo(),
    // Annotations and SARIF locations are read against the repository checkout.
    root: io.env.GITHUB_WORKSPACE || cwd,
    cwd,
    strict: values.strict,
    semanticSkippedBy: result.semanticSkippedBy,
    lang: values.lang as Lang,
  };
  const report = FORMATS[format](result.problems, meta);
  if (values.output !== undefined) {
    try {
      writeFileSync(values.output, report);
    } catch (e) {
      io.stderr(`sanso: cannot write ${values.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return EXIT.USAGE;
    }
  } else io.stdout(report);
  io.stderr(`${summaryLine(result.problems, meta)}\n`);
  // For the person at the terminal, after the summary on stderr, in every format (the report
  // itself says it too, in its own way): stdout stays the report.
  const note = semanticNote(meta);
  if (note !== null)
    io.stderr(`${meta.lang === 'ja' ? '注' : 'note'}: ${note}
`);
  if (format === 'text')
    io.stderr(`${filesReadLine(result.files, meta.lang)}
`);
  return passes(result.problems, values.strict) ? EXIT.OK : EXIT.BAD_INPUT;
}

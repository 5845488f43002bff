/**
 * `sanso diff OLD NEW`: which flows change their decision between two rule sets, exactly
 * (docs/diff.md). OLD and NEW are rule paths or git:REF (the --rules directory as it was at that
 * commit). Exit 0; 3 with --fail-on when a change of that kind exists; 1 when either rule set
 * cannot be read or has errors; 2 usage.
 */
import { appendFileSync } from 'node:fs';
import { compile } from '../compile/compile.js';
import { diffTables } from '../diff/diff.js';
import { formatDiffAnnotations } from '../diff/github.js';
import { formatDiffMarkdown } from '../diff/markdown.js';
import { formatDiffText } from '../diff/text.js';
import type { DiffResult } from '../diff/types.js';
import type { Lang } from '../i18n/messages.js';
import type { Model } from '../model/types.js';
import { formatText } from '../report/text.js';
import { toolInfo } from '../report/tool.js';
import { GitRulesError, readGitRules, type GitRules } from '../source/git.js';
import { validateRuleSet } from '../validate/index.js';
import { mustExist, parse } from './args.js';
import { EXIT, UsageError, type Io } from './io.js';

export const DIFF_USAGE = `usage: sanso diff OLD NEW [options]

Reports every flow whose decision (allow/deny, code, deciding rule) differs between two rule
sets, exactly over addresses and services, grouped into changes: newly allowed, newly denied,
reason changed. OLD and NEW are rule paths (a directory or a file) or git:REF, the --rules
directory as it was at commit REF (e.g. git:origin/main), read from git without touching the
checkout. Both sides judge exceptions on the same date.

  sanso diff git:origin/main rules/                    # what this branch changes
  sanso diff git:v1.4 git:HEAD --format json           # between two commits

options:
  --format text|json|markdown|github
                        text (default); json: the result object; markdown: one pull-request
                        comment (at most 65,536 characters); github: annotations on the rule
                        lines that caused changes, and the markdown as the step summary
                        ($GITHUB_STEP_SUMMARY)
  --fail-on newly-allowed|any
                        exit 3 when a change of that kind exists (any: any change)
  --max-changes N       list at most N changes (default 100000); counts stay exact
  --rules PATH          the rule path git:REF reads, relative to your working directory as
                        it is in the checkout (default rules/)
  --as-of YYYY-MM-DD    the date both sides judge exceptions on (default: today in NEW's
                        policy.timezone)
  --lang en|ja          language of text and markdown (default en)

Exit 0; 3 with --fail-on when such a change exists; 1 a rule set that cannot be read or has
errors; 2 usage.
`;

const OPTIONS = {
  format: { type: 'string', default: 'text' },
  'fail-on': { type: 'string' },
  'max-changes': { type: 'string', default: '100000' },
} as const;

const FORMATS = ['text', 'json', 'markdown', 'github'] as const;
type Format = (typeof FORMATS)[number];

interface Side {
  path: string;
  label: string;
  git: GitRules | null;
}

function openSide(arg: string, rules: string, cwd: string): Side {
  if (arg.startsWith('git:')) {
    const g = readGitRules(arg.slice(4), rules, cwd);
    return { path: g.path, label: g.label, git: g };
  }
  return { path: arg, label: arg, git: null };
}

/** Validates and compiles one side; on errors prints them (temporary paths named as git:REF:…). */
function load(side: Side, which: string, asOf: string | undefined, io: Io, lang: Lang = 'en'): { model: Model; asOf: string } | null {
  const result = validateRuleSet([side.path], asOf === undefined ? {} : { asOf });
  if (result.model && result.asOf) return { model: result.model, asOf: result.asOf };
  let report = formatText(result.problems, { files: result.files, version: '', tool: toolInfo(), lang });
  if (side.git) report = report.replaceAll(side.git.prefix, side.git.display);
  io.stderr(report);
  io.stderr(
    lang === 'ja'
      ? `sanso: ${which === 'old' ? '旧' : '新'}ルールセット（${side.label}）にエラーがあるため、比較しません\n`
      : `sanso: the ${which} rule set (${side.label}) has errors; nothing is compared\n`,
  );
  return null;
}

function maxChanges(text: string): number {
  if (!/^[1-9]\d{0,8}$/.test(text)) throw new UsageError(`--max-changes takes a whole number from 1, not "${text}"`);
  return Number(text);
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help) {
    io.stdout(DIFF_USAGE);
    return EXIT.OK;
  }
  const format = values.format as Format;
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format takes ${FORMATS.join(', ')}, not "${values.format}"`);
  const failOn = values['fail-on'];
  if (failOn !== undefined && failOn !== 'newly-allowed' && failOn !== 'any') throw new UsageError(`--fail-on takes newly-allowed or any, not "${failOn}"`);
  const max = maxChanges(values['max-changes']);
  if (positionals.length !== 2) throw new UsageError(`diff takes OLD and NEW (rule paths or git:REF); got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}`);
  const lang = values.lang as Lang;
  for (const p of positionals) if (!p.startsWith('git:')) mustExist(p, p === positionals[0] ? 'OLD' : 'NEW');
  const cwd = process.cwd();

  const sides: Side[] = [];
  try {
    let result: DiffResult;
    let newModel: Model;
    try {
      for (const arg of positionals) sides.push(openSide(arg, values.rules, cwd));
    } catch (e) {
      if (e instanceof GitRulesError) {
        io.stderr(`sanso: ${e.message}\n`);
        return EXIT.BAD_INPUT;
      }
      throw e;
    }
    const [oldSide, newSide] = sides as [Side, Side];
    // NEW first: without --as-of, its time zone's today judges both sides.
    const next = load(newSide, 'new', values['as-of'], io, lang);
    if (!next) return EXIT.BAD_INPUT;
    const prev = load(oldSide, 'old', next.asOf, io, lang);
    if (!prev) return EXIT.BAD_INPUT;
    newModel = next.model;
    result = diffTables(compile(prev.model, { asOf: next.asOf }), compile(next.model, { asOf: next.asOf }), {
      maxChanges: max,
      oldSource: oldSide.label,
      newSource: newSide.label,
    });

    switch (format) {
      case 'json':
        io.stdout(`${JSON.stringify(result)}\n`);
        break;
      case 'markdown':
        io.stdout(formatDiffMarkdown(result, { lang }));
        break;
      case 'github': {
        const root = io.env.GITHUB_WORKSPACE || cwd;
        io.stdout(formatDiffAnnotations(result, { model: newSide.git ? null : newModel, root, cwd }));
        const summary = io.env.GITHUB_STEP_SUMMARY;
        const md = formatDiffMarkdown(result, { lang });
        if (summary) {
          try {
            appendFileSync(summary, md);
          } catch (e) {
            io.stderr(`sanso: cannot write the step summary ${summary}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
            return EXIT.BAD_INPUT;
          }
        } else io.stdout(md);
        break;
      }
      default:
        io.stdout(formatDiffText(result, lang));
    }
    const { counts } = result;
    io.stderr(`${counts['newly-allowed']} newly allowed, ${counts['newly-denied']} newly denied, ${counts['reason-changed']} reason changed\n`);
    const hit = failOn === 'any' ? counts['newly-allowed'] + counts['newly-denied'] + counts['reason-changed'] > 0 : failOn === 'newly-allowed' && counts['newly-allowed'] > 0;
    return hit ? EXIT.DENY : EXIT.OK;
  } finally {
    for (const s of sides) s.git?.remove();
  }
}

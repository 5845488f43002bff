/**
 * What every report format is given besides the problems. Formatters are pure functions of
 * (problems, meta): the CLI gathers the meta (tool version, working directory), so tests can
 * build it by hand and the same problems always print the same document.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Lang } from '../i18n/messages.js';
import { problemMessage, sortProblems, type Problem } from '../problems/problem.js';

export interface ToolInfo {
  name: string;
  version: string;
  /** Where users read about the tool (SARIF tool.driver.informationUri); from package.json homepage. */
  informationUri?: string;
}

export interface ReportMeta {
  /** The rule files read, in merge order. */
  files: readonly string[];
  /** The rule set's version ("sha256:…"), as every decision reports it. */
  version: string;
  tool: ToolInfo;
  /**
   * The directory that machine-read paths are relative to: the repository root for SARIF
   * (%SRCROOT%) and GitHub annotations. Absent: paths are shown as given.
   */
  root?: string | undefined;
  /** The directory relative problem paths were given from; default root. */
  cwd?: string;
  /** --strict: warnings fail the run too, so reports that carry a verdict count them as failures. */
  strict?: boolean;
  /**
   * The files whose syntax or schema errors stopped the load before the semantic checks (names,
   * flows, exceptions, the tier model). Empty or absent: those checks ran. Every format says
   * when they did not, so a report without semantic problems is never read as a clean bill.
   */
  semanticSkippedBy?: readonly string[];
  /**
   * --lang: the language of each problem's message (default en). Only messages change: codes,
   * positions, keys and the document's structure are the same in every language.
   */
  lang?: Lang;
}

/** A problem's message in the report's language. */
export function messageOf(p: Problem, meta: Pick<ReportMeta, 'lang'>): string {
  return problemMessage(p, meta.lang ?? 'en');
}

export type Formatter = (problems: readonly Problem[], meta: ReportMeta) => string;

export interface Counts {
  errors: number;
  warnings: number;
}

export function countProblems(problems: readonly Problem[]): Counts {
  let errors = 0;
  let warnings = 0;
  for (const p of problems) {
    if (p.severity === 'error') errors++;
    else warnings++;
  }
  return { errors, warnings };
}

/** Whether the run passes: the one rule behind the exit code and every report's verdict. */
export function passes(problems: readonly Problem[], strict = false): boolean {
  const { errors, warnings } = countProblems(problems);
  return errors === 0 && (!strict || warnings === 0);
}

/** A sorted copy: callers' arrays are left as they were. */
export function ordered(problems: readonly Problem[]): Problem[] {
  return sortProblems([...problems]);
}

/**
 * The path a machine reader wants: relative to meta.root with forward slashes. A path outside
 * the root stays absolute (GitHub then cannot place it, but it is not silently wrong).
 */
export function reportPath(file: string, meta: Pick<ReportMeta, 'root' | 'cwd'>): string {
  if (meta.root === undefined) return toPosix(file);
  const abs = resolve(meta.cwd ?? meta.root, file);
  const rel = relative(meta.root, abs);
  if (rel === '') return '.';
  if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) return toPosix(abs);
  return toPosix(rel);
}

function toPosix(p: string): string {
  return sep === '\\' ? p.replaceAll('\\', '/') : p;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "2 errors, 1 warning in 3 files": the human summary the text format ends with. */
export function summaryLine(problems: readonly Problem[], meta: Pick<ReportMeta, 'files' | 'lang'>): string {
  const { errors, warnings } = countProblems(problems);
  if (meta.lang === 'ja') {
    const files = `${meta.files.length} ファイル`;
    if (errors === 0 && warnings === 0) return `問題はありません（${files}）`;
    return `エラー ${errors} 件、警告 ${warnings} 件（${files}）`;
  }
  const where = `in ${plural(meta.files.length, 'file')}`;
  if (errors === 0 && warnings === 0) return `no problems ${where}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')} ${where}`;
}

/** Whether the semantic checks ran (always, unless syntax or schema errors stopped the load). */
export function semanticRan(meta: Pick<ReportMeta, 'semanticSkippedBy'>): boolean {
  return (meta.semanticSkippedBy?.length ?? 0) === 0;
}

/** The sentence every format carries when the semantic checks did not run; null when they did. */
export function semanticNote(meta: Pick<ReportMeta, 'semanticSkippedBy' | 'lang'>): string | null {
  const n = meta.semanticSkippedBy?.length ?? 0;
  if (n === 0) return null;
  if (meta.lang === 'ja') {
    return `構文またはスキーマのエラーのため（${n} 件のファイル）、意味の検査（名前、フロールール、例外、三層モデル）は実行されていません。それらを直すと実行されます`;
  }
  return `semantic checks (names, flows, exceptions, the tier model) were not run because ${plural(n, 'file')} ${n === 1 ? 'has' : 'have'} syntax or schema errors; they run once those are fixed`;
}

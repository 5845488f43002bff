/**
 * The diff for GitHub Actions: annotations on the rule lines that caused changes, and the
 * Markdown report as the job's step summary.
 *
 * A change's cause is known when its deciding rule exists in the NEW files: the rule that now
 * decides it (after.rule), else the rule that decided it before and still exists (it was edited
 * so that it no longer does). A change caused by a removed rule or a moved CIDR has no line in
 * the new files to point at; it is in the summary only. One annotation per rule: `warning` when
 * the rule newly allows something or touches the My Number tier, `notice` otherwise.
 */
import type { Model } from '../model/types.js';
import { escapeData, escapeProperty } from '../report/github.js';
import { reportPath } from '../report/meta.js';
import type { Location } from '../source/location.js';
import { CHANGE_KINDS, type Change, type ChangeKind, type DiffResult } from './types.js';
import { reasonText, WORDS } from './words.js';

/** Examples quoted per annotation. */
const EXAMPLES = 3;

interface Cause {
  rule: string;
  loc: Location;
  counts: Record<ChangeKind, number>;
  myNumber: boolean;
  examples: string[];
}

export interface AnnotationOptions {
  /** The NEW model, whose rule locations are real files (null: NEW came from git, no lines). */
  model: Model | null;
  root: string;
  cwd: string;
}

function causeOf(c: Change, locs: Map<string, Location>): string | null {
  if (c.after.rule !== null && locs.has(c.after.rule)) return c.after.rule;
  if (c.before.rule !== null && locs.has(c.before.rule)) return c.before.rule;
  return null;
}

export function formatDiffAnnotations(r: DiffResult, opts: AnnotationOptions): string {
  if (!opts.model) return '';
  const w = WORDS.en;
  const locs = new Map<string, Location>();
  for (const f of opts.model.flows) locs.set(f.id, f.loc);
  for (const e of opts.model.exceptions) locs.set(e.id, e.loc);
  const causes = new Map<string, Cause>();
  for (const c of r.changes) {
    const id = causeOf(c, locs);
    if (id === null) continue;
    let cause = causes.get(id);
    if (!cause) causes.set(id, (cause = { rule: id, loc: locs.get(id)!, counts: { 'newly-allowed': 0, 'newly-denied': 0, 'reason-changed': 0 }, myNumber: false, examples: [] }));
    cause.counts[c.kind]++;
    cause.myNumber ||= c.myNumber;
    if (cause.examples.length < EXAMPLES) {
      cause.examples.push(`${c.src.segment} → ${c.dst.segment} ${c.services.join(',')}: ${reasonText(c.before)} → ${reasonText(c.after)}`);
    }
  }
  const lines: string[] = [];
  for (const cause of causes.values()) {
    const level = cause.counts['newly-allowed'] > 0 || cause.myNumber ? 'warning' : 'notice';
    const what = CHANGE_KINDS.filter((k) => cause.counts[k] > 0)
      .map((k) => `${cause.counts[k]} ${w.kind[k]}`)
      .join(', ');
    const total = CHANGE_KINDS.reduce((n, k) => n + cause.counts[k], 0);
    const more = total > cause.examples.length ? `\n… and ${total - cause.examples.length} more (see the job summary)` : '';
    const mn = cause.myNumber ? ' Touches the My Number tier.' : '';
    const message = `${cause.rule}: ${what}.${mn}\n${cause.examples.join('\n')}${more}`;
    const props = [
      `file=${escapeProperty(reportPath(cause.loc.file, { root: opts.root, cwd: opts.cwd }))}`,
      `line=${cause.loc.line}`,
      `col=${cause.loc.col}`,
      `title=${escapeProperty(`sanso diff: ${what}`)}`,
    ].join(',');
    lines.push(`::${level} ${props}::${escapeData(message)}\n`);
  }
  return lines.join('');
}

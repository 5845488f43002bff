/**
 * The diff as a report for people in a terminal or a CI log: a summary line, the two rule sets,
 * then the changes by kind, one per line with its decisions and an example flow beneath.
 */
import type { Lang } from '../i18n/messages.js';
import { escapeLine } from '../report/text.js';
import { CHANGE_KINDS, type DiffResult } from './types.js';
import { reasonText, sideText, witnessText, WORDS } from './words.js';

export function formatDiffText(r: DiffResult, lang: Lang): string {
  const w = WORDS[lang];
  const lines: string[] = [];
  lines.push(`${w.title}: ${w.summary(r.counts)}`);
  lines.push(`${w.old}: ${r.old.source} (${r.old.policyVersion})`);
  lines.push(`${w.new}: ${r.new.source} (${r.new.policyVersion})`);
  lines.push(`${w.asOf} ${r.new.asOf}${r.old.asOf === r.new.asOf ? '' : ` (${w.old}: ${r.old.asOf})`}`);
  if (r.myNumber > 0) lines.push(w.myNumberNote(r.myNumber));
  const total = r.counts['newly-allowed'] + r.counts['newly-denied'] + r.counts['reason-changed'];
  if (total === 0) {
    lines.push('', w.none);
    return `${lines.join('\n')}\n`;
  }
  for (const kind of CHANGE_KINDS) {
    const list = r.changes.filter((c) => c.kind === kind);
    if (r.counts[kind] === 0) continue;
    lines.push('', `${w.kind[kind]} (${r.counts[kind]})`);
    for (const c of list) {
      const mark = c.myNumber ? `  [${w.myNumber}]` : '';
      lines.push(`  ${sideText(c.src, w)} → ${sideText(c.dst, w)}  ${c.services.join(', ')}${mark}`);
      lines.push(`      ${reasonText(c.before)} → ${reasonText(c.after)}    ${w.eg} ${witnessText(c)}`);
    }
    if (list.length < r.counts[kind]) lines.push(`  … ${r.counts[kind] - list.length} (${w.listedMax(r.changes.length)})`);
  }
  return `${lines.map(escapeLine).join('\n')}\n`;
}

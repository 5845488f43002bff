/**
 * GitHub Actions workflow commands: each problem becomes an annotation on the pull request's
 * diff. The escaping is that of @actions/core (packages/core/src/command.ts, escapeData and
 * escapeProperty), written out here rather than taking a dependency for ten lines.
 */
import type { Formatter } from './meta.js';
import { messageOf, ordered, reportPath, semanticNote } from './meta.js';

/** The message after `::`: a raw newline would end the command early. */
export function escapeData(s: string): string {
  return s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** A property value: `,` separates properties and `:` ends them, so both are escaped too. */
export function escapeProperty(s: string): string {
  return escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

export const formatGithub: Formatter = (problems, meta) => {
  const lines = ordered(problems).map((p) => {
    const props = [`file=${escapeProperty(reportPath(p.loc.file, meta))}`, `line=${p.loc.line}`, `col=${p.loc.col}`, `title=${escapeProperty(p.code)}`].join(',');
    return `::${p.severity} ${props}::${escapeData(messageOf(p, meta))}\n`;
  });
  // Not a problem of any line: a notice on the run, so the job page says what was not checked.
  const note = semanticNote(meta);
  if (note !== null) lines.push(`::notice title=${escapeProperty('sanso: semantic checks not run')}::${escapeData(note)}\n`);
  return lines.join('');
};

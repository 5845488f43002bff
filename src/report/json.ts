/**
 * A JSON document for scripts. `version` is this document's format version (bumped only on an
 * incompatible change); `ok` is the verdict the exit code gives, so --strict counts warnings.
 * Fields after `problems` are additions a reader may ignore.
 */
import type { Formatter } from './meta.js';
import { countProblems, messageOf, ordered, passes, semanticNote, semanticRan } from './meta.js';

export const JSON_REPORT_VERSION = 1;

export const formatJson: Formatter = (problems, meta) => {
  const { errors, warnings } = countProblems(problems);
  const doc = {
    version: JSON_REPORT_VERSION,
    ok: passes(problems, meta.strict),
    errors,
    warnings,
    problems: ordered(problems).map((p) => ({
      file: p.loc.file,
      line: p.loc.line,
      col: p.loc.col,
      severity: p.severity,
      code: p.code,
      message: messageOf(p, meta),
    })),
    files: [...meta.files],
    policyVersion: meta.version,
    tool: { name: meta.tool.name, version: meta.tool.version },
    // Whether names, flows, exceptions and the tier model were checked at all: when not, the
    // problems above are not the whole story.
    semanticChecks: semanticRan(meta) ? { ran: true } : { ran: false, blockedBy: [...(meta.semanticSkippedBy ?? [])], note: semanticNote(meta) },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
};

/** The report formats `sanso validate --format` knows, by name. */
import type { Formatter } from './meta.js';
import { formatGithub } from './github.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import { formatSarif } from './sarif.js';
import { formatText } from './text.js';

export const FORMATS = {
  text: formatText,
  json: formatJson,
  sarif: formatSarif,
  github: formatGithub,
  junit: formatJunit,
} as const satisfies Record<string, Formatter>;

export type FormatName = keyof typeof FORMATS;

export function isFormatName(s: string): s is FormatName {
  return Object.hasOwn(FORMATS, s);
}

export type { Formatter, ReportMeta, ToolInfo } from './meta.js';
export { countProblems, passes, semanticNote, semanticRan, summaryLine } from './meta.js';

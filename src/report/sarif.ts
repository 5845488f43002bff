/**
 * SARIF 2.1.0 for code scanning (GitHub's upload-sarif and any SARIF viewer). The rules array is
 * the whole catalogue in catalogue order, not just the codes that occurred, so a code's
 * ruleIndex is the same in every run and a viewer can show the fix for any code.
 */
import { CODES, type ProblemCode } from '../problems/codes.js';
import type { Formatter, ReportMeta } from './meta.js';
import { messageOf, ordered, reportPath, semanticNote } from './meta.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
/** Paths in results are relative to the repository root, which the consumer knows by this name. */
export const SRCROOT = '%SRCROOT%';

const RULE_IDS = Object.keys(CODES) as ProblemCode[];
const RULE_INDEX = new Map<string, number>(RULE_IDS.map((id, i) => [id, i]));

const RULES: readonly SarifRule[] = RULE_IDS.map((id) => ({ id, text: CODES[id].meaning, help: CODES[id].fix, level: CODES[id].severity }));

/**
 * A URI reference for a path: each segment percent-encoded (spaces, `%`, `#`, `?`, and a `:` that
 * would otherwise read as a scheme); an absolute path (outside the root) becomes a file: URI.
 */
export function pathToUri(path: string): string {
  const enc = path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
  return path.startsWith('/') ? `file://${enc}` : enc;
}

/** Where a file is, for a result: relative to the root (SRCROOT) when it is under it. */
export function artifactLocation(file: string, meta: Pick<ReportMeta, 'root' | 'cwd'>) {
  const path = reportPath(file, meta);
  const uri = pathToUri(path);
  return path.startsWith('/') ? { uri } : { uri, uriBaseId: SRCROOT };
}

/** A SARIF rule (reportingDescriptor): what the code means, how to fix it, its level. */
export interface SarifRule {
  id: string;
  text: string;
  help: string;
  level: string;
}

/**
 * The SARIF document every sanso report shares (validate's and audit's): one run by this tool,
 * with its rules, and the run's own fields (results, properties, …) as given.
 */
export function sarifLog(tool: ReportMeta['tool'], rules: readonly SarifRule[], run: Record<string, unknown>): string {
  const doc = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            version: tool.version,
            semanticVersion: tool.version,
            ...(tool.informationUri ? { informationUri: tool.informationUri } : {}),
            rules: rules.map((r) => ({ id: r.id, shortDescription: { text: r.text }, help: { text: r.help }, defaultConfiguration: { level: r.level } })),
          },
        },
        ...run,
      },
    ],
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * When the semantic checks did not run, the run says so where SARIF keeps what a tool has to say
 * about its own run rather than about the code: a note among the invocation's notifications.
 */
function invocations(meta: ReportMeta) {
  const note = semanticNote(meta);
  if (note === null) return {};
  return {
    invocations: [
      {
        executionSuccessful: true,
        toolExecutionNotifications: [{ descriptor: { id: 'semantic-checks-not-run' }, level: 'note', message: { text: note } }],
      },
    ],
  };
}

export const formatSarif: Formatter = (problems, meta) =>
  sarifLog(meta.tool, RULES, {
    ...invocations(meta),
    // SARIF's default message language is en-US; a Japanese report says it is not.
    ...(meta.lang === 'ja' ? { language: 'ja-JP' } : {}),
    // yaml counts columns in UTF-16 code units (JavaScript string offsets); say so, since
    // consumers differ on the default.
    columnKind: 'utf16CodeUnits',
    results: ordered(problems).map((p) => ({
      ruleId: p.code,
      ruleIndex: RULE_INDEX.get(p.code) ?? -1,
      level: p.severity,
      message: { text: messageOf(p, meta) },
      locations: [
        {
          physicalLocation: {
            artifactLocation: artifactLocation(p.loc.file, meta),
            region: { startLine: p.loc.line, startColumn: p.loc.col },
          },
        },
      ],
    })),
    properties: { policyVersion: meta.version },
  });

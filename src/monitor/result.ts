/**
 * The object `sanso monitor --json` ends with (schemas/api/monitor-result.json), for one
 * process or for the merge of many workers' partials.
 */
import type { DecisionTable } from '../lookup/table.js';
import { findingJson, sortFindings, type FindingJson, type Monitor } from './monitor.js';

export interface RejectNote {
  position: string;
  reason: string;
}

/** Rejected records listed in the result at most (all are counted). */
export const REJECTS_LISTED = 1000;

export interface MonitorResult {
  records: number;
  parsed: number;
  rejected: number;
  findings: FindingJson[];
  policyVersion: string;
  rejects: RejectNote[];
  rejectsTruncated: boolean;
}

export function monitorResult(table: DecisionTable, m: Monitor, rejects: RejectNote[]): MonitorResult {
  return {
    records: m.records,
    parsed: m.parsed,
    rejected: m.rejected,
    findings: sortFindings(m.aggregates.map((a) => findingJson(table, a))),
    policyVersion: table.version,
    rejects: rejects.slice(0, REJECTS_LISTED),
    rejectsTruncated: m.rejected > REJECTS_LISTED,
  };
}

/**
 * Rule-set analysis that needs the compiled table (docs/validate.md), exact over segments and service
 * classes, never sampled:
 * - ALLOW-CEILING-FORBIDDEN / -PARTIAL: an allow rule the tier model forbids in whole / in part;
 * - EXCEPTION-NEEDLESS: an active exception none of whose flows the tier model forbids;
 * - RULE-SHADOWED: a flow rule (or active exception) that decides no flow at all, read off the
 *   table: it is shadowed exactly when no cell names it as the deciding rule.
 * Only flows that exist count: segments that own at least one address, service classes that
 * hold at least one flow service. Expired exceptions are left to EXCEPTION-EXPIRED.
 */
import type { Lang } from '../i18n/messages.js';
import { formatServiceKey } from '../model/services.js';
import type { Model } from '../model/types.js';
import { problem, type Problem } from '../problems/problem.js';
import { CEILING_CODES, type CeilingCode } from '../problems/codes.js';
import type { DecisionTable } from '../lookup/table.js';
import { MAPPED_V4 } from './addresses.js';
import { CEIL_NAMES, CEIL_NONE } from './ceiling.js';
import { compileWithInternals, type Compiled, type CompileInternals } from './compile.js';
import { hasClass } from './services.js';

/** At most this many rule ids are named as the reason a rule is shadowed. */
const MAX_NAMED = 3;
/** Bound on cells inspected to name what shadows a rule (the verdict itself is exact). */
const MAX_EXPLAIN_CELLS = 200_000;

/** Compiles the model and analyses it (for callers that have no table yet). */
export function analyzeModel(model: Model, opts: { asOf: string }): Problem[] {
  return analyzeCompiled(model, compileWithInternals(model, { asOf: opts.asOf }));
}

/** Analyses a table compiled from `model` (with its plans), compiling nothing. */
export function analyzeCompiled(model: Model, compiled: Compiled): Problem[] {
  return new Analysis(model, compiled.table, compiled.internals).run();
}

interface CeilingSummary {
  /** Flows (segment pair × service class) that exist. */
  any: boolean;
  hit: boolean;
  free: boolean;
  codes: Set<CeilingCode>;
  example: { src: number; dst: number; key: number } | null;
}

class Analysis {
  private readonly reachable: Uint8Array;
  private readonly problems: Problem[] = [];

  constructor(
    private readonly model: Model,
    private readonly table: DecisionTable,
    private readonly internals: CompileInternals,
  ) {
    // A segment whose every CIDR is covered by longer prefixes of others owns no address.
    this.reachable = new Uint8Array(model.segments.length);
    for (const s of table.v4Segments) this.reachable[s] = 1;
    for (const s of table.v6Segments) if (s !== MAPPED_V4) this.reachable[s] = 1;
  }

  run(): Problem[] {
    const { model, internals } = this;
    const R = model.flows.length;
    const forbidden = new Set<number>();
    const needless = new Set<number>();
    for (const f of model.flows) {
      if (f.action !== 'allow') continue;
      const s = this.ceilingSummary(f.index);
      if (!s.any || !s.hit) continue;
      const codes = this.codeList(s.codes);
      const codesJa = this.codeList(s.codes, 'ja');
      const eg = this.exampleText(s.example);
      if (!s.free) {
        forbidden.add(f.index);
        this.problems.push(
          problem(
            'ALLOW-CEILING-FORBIDDEN',
            f.loc,
            `allow rule ${f.id} can never take effect: the tier model forbids every flow it names (${codes}), e.g. ${eg}`,
            `許可ルール ${f.id} は効果を持ちません。このルールが指定する通信はすべて層のモデルにより禁止されます（${codesJa}）。例: ${eg}`,
          ),
        );
      } else {
        this.problems.push(
          problem(
            'ALLOW-CEILING-PARTIAL',
            f.loc,
            `allow rule ${f.id} is partly forbidden by the tier model (${codes}), e.g. ${eg}; only the rest can take effect`,
            `許可ルール ${f.id} の一部は層のモデルにより禁止されます（${codesJa}）。例: ${eg}。効果を持つのは残りの部分だけです`,
          ),
        );
      }
    }
    internals.active.forEach((ei, k) => {
      const e = model.exceptions[ei]!;
      const s = this.ceilingSummary(R + k);
      if (!s.any || s.hit) return;
      needless.add(k);
      this.problems.push(
        problem(
          'EXCEPTION-NEEDLESS',
          e.loc,
          `exception ${e.id} lifts nothing: the tier model forbids none of the flows it names; a flow rule grants them`,
          `例外 ${e.id} は何も解除しません。指定する通信はどれも層のモデルで禁止されていないため、フロールールで許可できます`,
        ),
      );
    });
    this.shadowed(forbidden, needless);
    return this.problems;
  }

  private codeList(codes: Set<CeilingCode>, lang: Lang = 'en'): string {
    const ja = lang === 'ja';
    return CEILING_CODES.filter((c) => codes.has(c))
      .map((c) => {
        const clause = this.model.policy.clauses[c];
        if (!clause) return c;
        return ja ? `${c} ${clause}` : `${c}, ${clause}`;
      })
      .join(ja ? '、' : '; ');
  }

  private exampleText(eg: { src: number; dst: number; key: number } | null): string {
    if (!eg) return '';
    const seg = this.model.segments;
    return `${seg[eg.src]!.name} → ${seg[eg.dst]!.name} ${formatServiceKey(eg.key)}`;
  }

  /** Distinct (base, representative segment) among the reachable segments of a side. */
  private byBase(segments: readonly number[]): Map<number, number> {
    const bases = this.internals.bases.ofSegment;
    const out = new Map<number, number>();
    for (const s of segments) if (this.reachable[s] && !out.has(bases[s]!)) out.set(bases[s]!, s);
    return out;
  }

  /** Which of a matcher's flows the ceiling forbids: exact per base pair and service class. */
  private ceilingSummary(x: number): CeilingSummary {
    const { services } = this.internals;
    const sum: CeilingSummary = { any: false, hit: false, free: false, codes: new Set(), example: null };
    const from = this.byBase(this.internals.froms[x]!);
    const to = this.byBase(this.internals.tos[x]!);
    for (const [ba, sa] of from) {
      for (const [bb, sb] of to) {
        const row = this.internals.ceilingOf(ba, bb);
        for (let c = 0; c < services.classes; c++) {
          if (services.sample[c]! < 0 || !hasClass(services, x, c)) continue;
          sum.any = true;
          const code = row.code[c]!;
          if (code === CEIL_NONE) sum.free = true;
          else {
            sum.hit = true;
            sum.codes.add(CEIL_NAMES[code]!);
            sum.example ??= { src: sa, dst: sb, key: services.sample[c]! };
          }
        }
      }
    }
    return sum;
  }

  /** Distinct class of each reachable segment of a side, with one segment standing for it. */
  private classesOf(segments: readonly number[], classOf: Uint32Array): Map<number, number> {
    const out = new Map<number, number>();
    for (const s of segments) if (this.reachable[s] && !out.has(classOf[s]!)) out.set(classOf[s]!, s);
    return out;
  }

  private shadowed(forbidden: Set<number>, needless: Set<number>): void {
    const { model, table, internals } = this;
    const R = model.flows.length;
    // Which rules and exceptions decide some existing flow: every cell between reachable
    // segments' classes, at every service class that holds a flow service.
    const reachableSrc = new Set<number>();
    const reachableDst = new Set<number>();
    for (let s = 0; s < model.segments.length; s++) {
      if (!this.reachable[s]) continue;
      reachableSrc.add(table.srcClass[s]!);
      reachableDst.add(table.dstClass[s]!);
    }
    const nSvc = table.serviceClasses;
    const realClasses: number[] = [];
    for (let c = 0; c < nSvc; c++) if (table.serviceSample[c]! >= 0) realClasses.push(c);
    const seenVector = new Set<number>();
    const decides = new Uint8Array(table.decisions.length);
    const cells = new Int32Array(nSvc);
    for (const a of reachableSrc) {
      for (const b of reachableDst) {
        const v = table.vectorOf(a, b);
        if (seenVector.has(v)) continue;
        seenVector.add(v);
        table.vectorCells(v, cells);
        for (const c of realClasses) decides[cells[c]!] = 1;
      }
    }
    const ruleDecides = new Uint8Array(R);
    const exceptionDecides = new Uint8Array(model.exceptions.length);
    for (const r of table.decisions) {
      if (!decides[r.id]) continue;
      if (r.rule >= 0) ruleDecides[r.rule] = 1;
      if (r.exception >= 0) exceptionDecides[r.exception] = 1;
    }
    for (const f of model.flows) {
      if (ruleDecides[f.index] || forbidden.has(f.index)) continue;
      const why = this.deciders(f.index);
      const rule = f.action === 'allow' ? '許可ルール' : '拒否ルール';
      this.problems.push(
        problem(
          'RULE-SHADOWED',
          f.loc,
          why === null
            ? `${f.action} rule ${f.id} matches no flow: none of the segments it names owns an address of its own`
            : `${f.action} rule ${f.id} never decides a flow: every flow it matches is decided first by ${why.en}`,
          why === null
            ? `${rule} ${f.id} はどの通信にも当てはまりません。指定するセグメントのどれも自身のアドレスを持っていません`
            : `${rule} ${f.id} はどの通信も判定しません。当てはまる通信はすべて、先に ${why.ja} により判定されます`,
        ),
      );
    }
    internals.active.forEach((ei, k) => {
      const e = model.exceptions[ei]!;
      if (exceptionDecides[ei] || needless.has(k)) return;
      const why = this.deciders(R + k, true);
      if (why === null) return; // no flows: nothing to lift, and EXCEPTION-NEEDLESS does not apply
      this.problems.push(
        problem(
          'RULE-SHADOWED',
          e.loc,
          `exception ${e.id} never decides a flow: every flow it would lift is decided first by ${why.en}`,
          `例外 ${e.id} はどの通信も判定しません。解除するはずの通信はすべて、先に ${why.ja} により判定されます`,
        ),
      );
    });
  }

  /** What decides the flows of matcher x instead of it (a few ids or codes), or null if it has none. */
  private deciders(x: number, ceilingOnly = false): { en: string; ja: string } | null {
    const { table, internals } = this;
    const { services } = internals;
    const bases = internals.bases.ofSegment;
    const from = this.classesOf(internals.froms[x]!, table.srcClass);
    const to = this.classesOf(internals.tos[x]!, table.dstClass);
    const named = new Set<string>();
    let cells = 0;
    let any = false;
    outer: for (const [, s] of from) {
      for (const [, d] of to) {
        for (let c = 0; c < services.classes; c++) {
          if (services.sample[c]! < 0 || !hasClass(services, x, c)) continue;
          // An exception only ever decides where the ceiling holds a flow.
          if (ceilingOnly && internals.ceilingOf(bases[s]!, bases[d]!).code[c] === CEIL_NONE) continue;
          any = true;
          const r = table.decision(table.cell(s, d, c));
          // Flows the ceiling holds are not this rule's to decide; name what decides the rest.
          // A rule id, or ":CODE" for the tier model (ids never hold a colon).
          if (r.ruleId !== null) named.add(r.ruleId);
          else named.add(`:${r.code}`);
          if (named.size >= MAX_NAMED || ++cells >= MAX_EXPLAIN_CELLS) break outer;
        }
      }
    }
    if (!any) return null;
    const list = [...named];
    return {
      en: list.map((n) => (n.startsWith(':') ? `the tier model (${n.slice(1)})` : n)).join(', '),
      ja: list.map((n) => (n.startsWith(':') ? `層のモデル（${n.slice(1)}）` : n)).join('、'),
    };
  }
}

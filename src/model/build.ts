/**
 * Rule files (already through the schema pass) → the resolved Model. Files merge in the order
 * given; every name is looked up, every CIDR and service turned into numbers, and every
 * problem found on the way is pushed at the node that causes it. A rule set with an error
 * yields no model: half a policy is never loaded.
 */
import { basename } from 'node:path';
import { DECISION_CODES, type DecisionCode, type ProblemCode } from '../problems/codes.js';
import { hasErrors, problem, type Problem } from '../problems/problem.js';
import { nowhere, type Location } from '../source/location.js';
import type { Path, SourceFile } from '../source/read.js';
import { TIER_NAMES } from '../i18n/messages.js';
import { BETA_MODELS, canBridge, MODEL_LABELS, MODEL_LABELS_JA } from './bridging.js';
import { formatV4, parseCidr, V4_MAPPED_FIRST } from './cidr.js';
import { daysBetween, isActive, isCalendarDate, isTimeZone, todayIn } from './dates.js';
import { parseServiceRange } from './services.js';
import { didYouMean } from './suggest.js';
import {
  SITE_TIERS,
  TIERS,
  type Action,
  type Breakout,
  type Cidr,
  type Direction,
  type Exception,
  type FlowRule,
  type GuidelineModel,
  type Model,
  type Policy,
  type Role,
  type Sanitizer,
  type SanitizerMethod,
  type Segment,
  type Selector,
  type ServiceRef,
  type SiteTier,
  type Tier,
} from './types.js';

export interface BuildOptions {
  /** The date exceptions are judged on, YYYY-MM-DD; default today in policy.timezone. */
  asOf?: string;
  /** The instant "today" is taken at when asOf is not given (one instant for a whole load). */
  now?: Date;
  /** Warn about exceptions that expire within this many days (EXCEPTION-EXPIRING); 0 turns it off. */
  warnExpiringDays?: number;
}

/** Default of --warn-expiring: a month is the time a renewal's approval usually takes. */
export const DEFAULT_WARN_EXPIRING_DAYS = 30;

export interface BuildResult {
  /** Null exactly when an error-severity problem was found. */
  model: Model | null;
  problems: Problem[];
}

export const DEFAULT_TIMEZONE = 'Asia/Tokyo';
export const OUTSIDE = 'outside';
const MODELS: readonly GuidelineModel[] = ['alpha', 'alpha-prime', 'beta', 'beta-prime'];

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A node of one file: where it is, and what it holds. */
interface At {
  file: SourceFile;
  fileIndex: number;
  path: Path;
  data: unknown;
}

const where = (n: At, sub: Path = [], part: 'key' | 'value' = 'value'): Location => n.file.locate([...n.path, ...sub], part);
const fileLine = (l: Location) => `${l.file}:${l.line}`;
const TIER_JA = TIER_NAMES.ja;

/** What a message is about ("flow F-010"), in both languages. */
interface Ctx {
  en: string;
  ja: string;
}

/** Kinds of declarations, as Japanese messages name them. */
const KIND_JA: Record<string, string> = { segment: 'セグメント', group: 'グループ', service: 'サービス', flow: 'フロールール', exception: '例外' };
const byPosition = (a: { fileIndex: number; loc: Location }, b: { fileIndex: number; loc: Location }) =>
  a.fileIndex - b.fileIndex || a.loc.line - b.loc.line || a.loc.col - b.loc.col;

/** A name reserved for selectors: `outside` and everything `tier:…`. */
export function isReservedName(name: string): boolean {
  return name === OUTSIDE || name.startsWith('tier:');
}

/** Text that reads as a service literal rather than a name: report it as a bad service. */
function looksLikeServiceLiteral(text: string): boolean {
  return text.includes('/') || /^\d/.test(text) || /^(tcp|udp|icmp|icmpv6|proto|any)$/i.test(text);
}

class Builder {
  readonly problems: Problem[] = [];
  private readonly segmentsAt: At[] = [];
  private readonly segments: Segment[] = [];
  private readonly selectorNames = new Map<string, { kind: 'segment'; index: number } | { kind: 'group'; at: At }>();
  private readonly serviceDefs = new Map<string, { at: At; refs: ServiceRef[] | null }>();
  private readonly groupDefs = new Map<string, { at: At; state: 'new' | 'visiting' | 'done'; segments: number[] }>();
  private readonly reportedCycles = new Set<string>();
  private readonly used = new Set<number>();
  /**
   * Whether some from, to or group member named nothing. Which segment it meant is then unknown,
   * so "no flow names this segment" (SEGMENT-UNUSED) cannot be judged: the segment behind a typo
   * would be reported as an echo of the NAME-UNKNOWN.
   */
  private unknownSelector = false;
  private outside = 0;
  /** policy.model, known before segments are read: it decides which bridges exist. */
  private model: GuidelineModel = 'alpha';
  /** Where policy.model is written, or null when the rule set leaves it to the default. */
  private modelAt: Location | null = null;

  constructor(
    private readonly files: readonly SourceFile[],
    private readonly version: string,
    private readonly opts: BuildOptions,
  ) {}

  private push(code: ProblemCode, loc: Location, en: string, ja: string): void {
    this.problems.push(problem(code, loc, en, ja));
  }

  /** Every `key:` section of every file, in merge order. */
  private sections(key: string): At[] {
    const out: At[] = [];
    this.files.forEach((file, fileIndex) => {
      if (isRec(file.data) && key in file.data) out.push({ file, fileIndex, path: [key], data: file.data[key] });
    });
    return out;
  }

  /** The items of every file's `key:` list, in merge order. */
  private items(key: string): At[] {
    return this.sections(key).flatMap((s) => list(s.data).map((data, i) => ({ ...s, path: [key, i], data })));
  }

  /** The entries of every file's `key:` map, in merge order. */
  private entries(key: string): (At & { name: string })[] {
    return this.sections(key).flatMap((s) => (isRec(s.data) ? Object.entries(s.data).map(([name, data]) => ({ ...s, path: [key, name], data, name })) : []));
  }

  build(): BuildResult {
    const policy = this.policy();
    this.declareNames();
    this.defineServices();
    this.defineSegments();
    this.defineGroups();
    const flows = this.flows();
    const exceptions = this.exceptions(policy);
    this.segmentWarnings(policy);
    this.modelWarnings();
    this.nestedCidrs();
    if (this.segments.length === 1) {
      const loc = this.files[0] ? this.files[0].locate([]) : nowhere('(no rule files)');
      this.push(
        'SEGMENTS-MISSING',
        loc,
        'the rule set defines no segments; add a segments list to one of its files',
        'ルールセットにセグメントが一つも定義されていません。いずれかのファイルに segments のリストを追加してください',
      );
    }
    if (hasErrors(this.problems)) return { model: null, problems: this.problems };
    const groups: Model['groups'] = new Map();
    for (const [name, g] of this.groupDefs) {
      groups.set(name, { members: list(g.at.data).filter((m): m is string => typeof m === 'string'), segments: g.segments, loc: where(g.at, [], 'key') });
    }
    const services: Model['services'] = new Map();
    for (const [name, s] of this.serviceDefs) services.set(name, s.refs ?? []);
    return {
      model: {
        policy,
        segments: this.segments,
        outside: this.outside,
        groups,
        services,
        flows,
        exceptions,
        files: this.files.map((f) => f.file),
        version: this.version,
      },
      problems: this.problems,
    };
  }

  // — policy —

  private policy(): Policy {
    const sections = this.sections('policy');
    const first = sections[0];
    for (const dup of sections.slice(1)) {
      const at = fileLine(where(first!, [], 'key'));
      this.push(
        'POLICY-DUPLICATE',
        where(dup, [], 'key'),
        `policy is already defined at ${at}; keep the policy section in one file`,
        `policy はすでに ${at} で定義されています。policy セクションは一つのファイルにまとめてください`,
      );
    }
    const p: Rec = first && isRec(first.data) ? first.data : {};
    const firstFile = this.files[0]?.file;
    const name = str(p.name) ?? (firstFile ? basename(firstFile).replace(/\.ya?ml$/, '') : '');
    const model = MODELS.find((m) => m === p.model) ?? 'alpha';
    this.model = model;
    if (first && 'model' in p) this.modelAt = where(first, ['model']);
    let timezone = DEFAULT_TIMEZONE;
    const tz = str(p.timezone);
    if (tz !== null) {
      if (isTimeZone(tz)) timezone = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
      else {
        this.push(
          'TIMEZONE-INVALID',
          where(first!, ['timezone']),
          `policy.timezone "${tz}" is not an IANA time zone${didYouMean(tz, Intl.supportedValuesOf('timeZone'))}; exception expiry needs one, e.g. Asia/Tokyo`,
          `policy.timezone の「${tz}」は IANA のタイムゾーンではありません${didYouMean(tz, Intl.supportedValuesOf('timeZone'), 'ja')}。例外の有効期限の判定に必要です（例: Asia/Tokyo）`,
        );
      }
    }
    const defaults = Object.fromEntries(SITE_TIERS.map((t) => [t, 'deny'])) as Record<SiteTier, Action>;
    const d = isRec(p.defaults) ? p.defaults : {};
    for (const t of SITE_TIERS) if (d[t] === 'allow' || d[t] === 'deny') defaults[t] = d[t];
    const clauses: Policy['clauses'] = {};
    for (const [code, info] of Object.entries(DECISION_CODES)) if (info.clause !== null) clauses[code as DecisionCode] = info.clause;
    const c = isRec(p.clauses) ? p.clauses : {};
    for (const [code, text] of Object.entries(c)) {
      if (Object.hasOwn(DECISION_CODES, code) && typeof text === 'string') clauses[code as DecisionCode] = text;
    }
    const max = p['exception-max-days'];
    const exceptionMaxDays = typeof max === 'number' && Number.isInteger(max) && max >= 1 ? max : null;
    return { name, model, timezone, defaults, clauses, exceptionMaxDays };
  }

  // — names —

  /**
   * Segment and group names share one namespace (both stand in from/to); flow and exception ids
   * share another. The second definition by position is the duplicate.
   */
  private declareNames(): void {
    type Decl = { kind: string; name: string; fileIndex: number; loc: Location };
    const selectorDecls: Decl[] = [
      ...this.items('segments').flatMap((s) => {
        const name = isRec(s.data) ? str(s.data.name) : null;
        return name === null ? [] : [{ kind: 'segment', name, fileIndex: s.fileIndex, loc: where(s, ['name']) }];
      }),
      ...this.entries('groups').map((g) => ({ kind: 'group', name: g.name, fileIndex: g.fileIndex, loc: where(g, [], 'key') })),
    ];
    this.reportDuplicates(selectorDecls, { en: 'segment and group names share one namespace', ja: 'セグメントとグループの名前は一つの名前空間を共有します' });
    for (const d of selectorDecls) {
      if (isReservedName(d.name)) {
        this.push(
          'NAME-RESERVED',
          d.loc,
          d.name === OUTSIDE
            ? `"${OUTSIDE}" is reserved for the implicit segment of every address no segment claims; name the ${d.kind} differently`
            : `"${d.name}" cannot name a ${d.kind}: names starting with tier: are reserved for tier selectors`,
          d.name === OUTSIDE
            ? `「${OUTSIDE}」は、どのセグメントにも属さないアドレスを表す暗黙のセグメントのために予約されています。${KIND_JA[d.kind]}に別の名前を付けてください`
            : `「${d.name}」は${KIND_JA[d.kind]}の名前に使えません。tier: で始まる名前は層の指定（tier:<層>）のために予約されています`,
        );
      }
    }
    const serviceDecls = this.entries('services').map((s) => ({ kind: 'service', name: s.name, fileIndex: s.fileIndex, loc: where(s, [], 'key') }));
    this.reportDuplicates(serviceDecls, null);
    for (const d of serviceDecls) {
      if (parseServiceRange(d.name).ok) {
        this.push(
          'NAME-RESERVED',
          d.loc,
          `a service cannot be named "${d.name}": it reads as the service ${d.name} itself`,
          `サービスに「${d.name}」という名前は付けられません。サービス ${d.name} そのものと読めるためです`,
        );
      }
    }
    const ids = (key: string, kind: string) =>
      this.items(key).flatMap((s) => {
        const id = isRec(s.data) ? str(s.data.id) : null;
        return id === null ? [] : [{ kind, name: id, fileIndex: s.fileIndex, loc: where(s, ['id']) }];
      });
    this.reportDuplicates([...ids('flows', 'flow'), ...ids('exceptions', 'exception')], {
      en: 'flow and exception ids share one namespace',
      ja: 'フロールールと例外の ID は一つの名前空間を共有します',
    });
  }

  private reportDuplicates(decls: { kind: string; name: string; fileIndex: number; loc: Location }[], shared: Ctx | null): void {
    const seen = new Map<string, { kind: string; loc: Location }>();
    for (const d of [...decls].sort(byPosition)) {
      const first = seen.get(d.name);
      if (!first) {
        seen.set(d.name, d);
        continue;
      }
      const same = first.kind === d.kind;
      const isId = d.kind === 'flow' || d.kind === 'exception';
      const noun = isId ? 'id' : 'name';
      const nounJa = isId ? ' ID' : '名前';
      const at = fileLine(first.loc);
      this.push(
        'NAME-DUPLICATE',
        d.loc,
        same
          ? `${d.kind} ${noun} "${d.name}" is already defined at ${at}`
          : `${d.kind} ${noun} "${d.name}" is already used by the ${first.kind} at ${at}${shared ? `; ${shared.en}` : ''}`,
        same
          ? `${KIND_JA[d.kind]}の${nounJa}「${d.name}」はすでに ${at} で定義されています`
          : `${KIND_JA[d.kind]}の${nounJa}「${d.name}」はすでに ${at} の${KIND_JA[first.kind]}で使われています${shared ? `。${shared.ja}` : ''}`,
      );
    }
  }

  // — services —

  private defineServices(): void {
    for (const s of this.entries('services')) {
      if (this.serviceDefs.has(s.name)) continue;
      this.serviceDefs.set(s.name, { at: s, refs: null });
    }
    for (const [name, def] of this.serviceDefs) {
      const refs: ServiceRef[] = [];
      list(def.at.data).forEach((item, i) => {
        const text = str(item);
        if (text === null) return;
        const loc = where(def.at, [i]);
        const r = parseServiceRange(text);
        if (r.ok) refs.push({ text, ranges: [r.range], loc });
        else if (this.serviceDefs.has(text)) {
          this.push(
            'SERVICE-INVALID',
            loc,
            `service ${name} lists "${text}", another named service: named services do not nest; list its services here instead`,
            `サービス ${name} に別の名前付きサービス「${text}」が書かれています。名前付きサービスは入れ子にできないため、その中身をここに書いてください`,
          );
        } else this.push('SERVICE-INVALID', loc, `service ${name}: ${r.reason}`, `サービス ${name}: ${r.ja}`);
      });
      def.refs = refs;
    }
  }

  /** A service as a flow, exception or sanitizer writes it: a named service or a literal. */
  private service(text: string, loc: Location, context: Ctx): ServiceRef | null {
    const named = this.serviceDefs.get(text);
    if (named) return { text, ranges: (named.refs ?? []).flatMap((r) => r.ranges), loc };
    const r = parseServiceRange(text);
    if (r.ok) return { text, ranges: [r.range], loc };
    if (looksLikeServiceLiteral(text)) this.push('SERVICE-INVALID', loc, `${context.en}: ${r.reason}`, `${context.ja}: ${r.ja}`);
    else {
      const names = [...this.serviceDefs.keys()];
      this.push(
        'NAME-UNKNOWN',
        loc,
        `${context.en}: no service named "${text}"${didYouMean(text, names)} (define it under services, or write a service such as tcp/443)`,
        `${context.ja}: 「${text}」という名前のサービスはありません${didYouMean(text, names, 'ja')}。services に定義するか、tcp/443 のようにサービスを書いてください`,
      );
    }
    return null;
  }

  private services(owner: At, key: string, context: Ctx): ServiceRef[] {
    const node = isRec(owner.data) ? owner.data[key] : undefined;
    const out: ServiceRef[] = [];
    list(node).forEach((item, i) => {
      const text = str(item);
      if (text === null) return;
      const ref = this.service(text, where(owner, [key, i]), context);
      if (ref) out.push(ref);
    });
    return out;
  }

  // — segments —

  private defineSegments(): void {
    const cidrsSeen = new Map<string, { text: string; segment: string; loc: Location }>();
    for (const s of this.items('segments')) {
      if (!isRec(s.data)) continue;
      const d = s.data;
      const name = str(d.name) ?? '';
      const tier: SiteTier = SITE_TIERS.find((t) => t === d.tier) ?? 'lgwan';
      const index = this.segments.length;
      if (!this.selectorNames.has(name)) this.selectorNames.set(name, { kind: 'segment', index });
      const cidrs: Cidr[] = [];
      list(d.cidrs).forEach((item, i) => {
        const text = str(item);
        if (text === null) return;
        const loc = where(s, ['cidrs', i]);
        const c = this.cidr(text, loc, name, cidrsSeen);
        if (c) cidrs.push(c);
      });
      this.segmentsAt.push(s);
      this.segments.push({
        index,
        name,
        tier,
        role: (['terminal', 'server', 'other'] as const).find((r) => r === d.role) ?? ('server' satisfies Role),
        mfa: d.mfa === true,
        external: d.external === true,
        cidrs,
        sanitizer: this.sanitizer(s, name, tier),
        breakout: this.breakout(s, name, tier, d.external === true),
        description: str(d.description),
        loc: where(s, ['name']),
      });
    }
    this.outside = this.segments.length;
    this.segments.push({
      index: this.outside,
      name: OUTSIDE,
      tier: 'outside',
      role: 'other',
      mfa: false,
      external: true,
      cidrs: [],
      sanitizer: null,
      breakout: null,
      description: 'every address no segment claims',
      loc: this.files[0] ? this.files[0].locate([]) : nowhere('(no rule files)'),
    });
  }

  private cidr(text: string, loc: Location, segment: string, seen: Map<string, { text: string; segment: string; loc: Location }>): Cidr | null {
    const r = parseCidr(text);
    if (!r.ok) {
      this.push('CIDR-INVALID', loc, `segment ${segment}: CIDR "${text}": ${r.reason}`, `セグメント ${segment}: CIDR「${text}」: ${r.ja}`);
      return null;
    }
    const { family, prefix, first, last } = r.cidr;
    if (family === 6 && first >= V4_MAPPED_FIRST && last <= V4_MAPPED_FIRST + 0xffffffffn) {
      const v4 = `${formatV4(first - V4_MAPPED_FIRST)}/${prefix - 96}`;
      this.push(
        'CIDR-INVALID',
        loc,
        `segment ${segment}: "${text}" is an IPv4-mapped IPv6 CIDR, and such addresses resolve as IPv4: write the IPv4 CIDR ${v4}`,
        `セグメント ${segment}: 「${text}」は IPv4 射影 IPv6 の CIDR で、そのアドレスは IPv4 として解決されます。IPv4 の CIDR ${v4} と書いてください`,
      );
      return null;
    }
    // Compare the network, not the text: fd00::/48 and FD00:0::/48 are the same CIDR.
    const key = `${family}/${first}/${prefix}`;
    const before = seen.get(key);
    if (before) {
      const same = before.text === text ? '' : ` (written "${before.text}")`;
      const sameJa = before.text === text ? '' : `（「${before.text}」と表記）`;
      const mine = before.segment === segment;
      const owner = mine ? 'this segment' : `segment ${before.segment}`;
      const ownerJa = mine ? 'このセグメント' : `セグメント ${before.segment} `;
      const at = fileLine(before.loc);
      this.push(
        'CIDR-DUPLICATE',
        loc,
        `${text} is already claimed by ${owner} at ${at}${same}; give each CIDR to one segment`,
        `${text} はすでに ${at} で${ownerJa}が使っています${sameJa}。一つの CIDR は一つのセグメントにだけ割り当ててください`,
      );
    } else seen.set(key, { text, segment, loc });
    return { family, text, prefix, first, last, loc };
  }

  private sanitizer(s: At, segment: string, tier: SiteTier): Sanitizer | null {
    const d = isRec(s.data) ? s.data.sanitizer : undefined;
    if (!isRec(d)) return null;
    const at: At = { ...s, path: [...s.path, 'sanitizer'], data: d };
    const method = (['mail-text', 'file-sanitize', 'screen-transfer'] as const).find((m) => m === d.method) ?? ('file-sanitize' satisfies SanitizerMethod);
    const peer: SiteTier = SITE_TIERS.find((t) => t === d.peer) ?? tier;
    const direction = (['inbound', 'outbound', 'both'] as const).find((x) => x === d.direction) ?? ('both' satisfies Direction);
    const verdict = canBridge(tier, peer, method, direction, this.model);
    if (!verdict.ok) {
      this.push(
        'SANITIZER-CANNOT-BRIDGE',
        where(at, [verdict.field]),
        `the ${method} sanitizer of segment ${segment} (tier ${tier}, peer ${peer}, direction ${direction}) cannot bridge: ${verdict.reason}`,
        `セグメント ${segment}（${TIER_JA[tier]}）の ${method} の無害化装置（peer ${peer}、direction ${direction}）は橋渡しできません。${verdict.ja}`,
      );
    }
    const context = { en: `sanitizer of segment ${segment}`, ja: `セグメント ${segment} の無害化装置` };
    return { method, peer, direction, services: this.services(at, 'services', context), loc: where(at) };
  }

  /**
   * Local breakout (α′): only an internet-tier external segment (an approved cloud service) may
   * be a breakout destination, and only under alpha-prime; anything else would open LGWAN →
   * internet paths the city's model does not have.
   */
  private breakout(s: At, segment: string, tier: SiteTier, external: boolean): Breakout | null {
    const d = isRec(s.data) ? s.data.breakout : undefined;
    if (!isRec(d)) return null;
    const at: At = { ...s, path: [...s.path, 'breakout'], data: d };
    const key = where(s, ['breakout'], 'key');
    let ok = true;
    if (tier !== 'internet' || !external) {
      ok = false;
      const what = tier !== 'internet' ? `is in the ${tier} tier` : 'is not external: true';
      const whatJa = tier !== 'internet' ? `は${TIER_JA[tier]}にあります` : 'は external: true ではありません';
      this.push(
        'BREAKOUT-SEGMENT',
        key,
        `segment ${segment} ${what}: a breakout destination is an approved cloud service outside the city, an internet-tier segment with external: true`,
        `セグメント ${segment} ${whatJa}。ローカルブレイクアウトの宛先は、市の外にある承認されたクラウドサービス、つまり external: true のインターネット接続系のセグメントです`,
      );
    }
    if (this.model !== 'alpha-prime') {
      ok = false;
      this.push(
        'BREAKOUT-MODEL',
        key,
        `segment ${segment} has breakout, but policy.model is ${MODEL_LABELS[this.model]}: local breakout exists only under model ${MODEL_LABELS['alpha-prime']} (docs/models.md); remove it or set policy.model: alpha-prime`,
        `セグメント ${segment} に breakout がありますが、policy.model は ${MODEL_LABELS_JA[this.model]} です。ローカルブレイクアウトは ${MODEL_LABELS_JA['alpha-prime']} にだけあります（docs/models.md）。breakout を削除するか、policy.model: alpha-prime にしてください`,
      );
    }
    const services = this.services(at, 'services', { en: `breakout of segment ${segment}`, ja: `セグメント ${segment} のローカルブレイクアウト` });
    return ok ? { services, loc: where(at) } : null;
  }

  // — groups and selectors —

  private defineGroups(): void {
    for (const g of this.entries('groups')) {
      if (this.groupDefs.has(g.name)) continue;
      this.groupDefs.set(g.name, { at: g, state: 'new', segments: [] });
      if (!this.selectorNames.has(g.name)) this.selectorNames.set(g.name, { kind: 'group', at: g });
    }
    for (const name of this.groupDefs.keys()) this.expandGroup(name, []);
  }

  /** The segments of a group, members expanded depth-first; a member that closes a cycle is reported once per cycle. */
  private expandGroup(name: string, stack: string[]): number[] {
    const g = this.groupDefs.get(name)!;
    if (g.state === 'done') return g.segments;
    g.state = 'visiting';
    const set = new Set<number>();
    list(g.at.data).forEach((item, i) => {
      const text = str(item);
      if (text === null) return;
      const loc = where(g.at, [i]);
      const member = this.selectorNames.get(text);
      if (member?.kind === 'group' && this.groupDefs.get(text)?.state === 'visiting') {
        const path = [...stack, name];
        const cycle = [...path.slice(path.indexOf(text)), text];
        const id = [...new Set(cycle)].sort().join('\0');
        if (!this.reportedCycles.has(id)) {
          this.reportedCycles.add(id);
          this.push('GROUP-CYCLE', loc, `groups contain each other in a cycle: ${cycle.join(' → ')}`, `グループが循環して互いを含んでいます: ${cycle.join(' → ')}`);
        }
        return;
      }
      for (const i of this.selector(text, loc, { en: `group ${name}`, ja: `グループ ${name}` }, [...stack, name]) ?? []) set.add(i);
    });
    g.segments = [...set].sort((a, b) => a - b);
    g.state = 'done';
    return g.segments;
  }

  /** The segments a from/to entry (or group member) stands for, or null when it names nothing. */
  private selector(text: string, loc: Location, context: Ctx, stack: string[] = []): number[] | null {
    if (text === OUTSIDE) return [this.outside];
    if (text.startsWith('tier:')) {
      const t = text.slice(5);
      const tier = TIERS.find((x) => x === t);
      if (!tier) {
        this.unknownSelector = true;
        const tiers = TIERS.map((x) => `tier:${x}`);
        this.push(
          'NAME-UNKNOWN',
          loc,
          `${context.en}: unknown tier "${t}" in "${text}"; tiers are ${TIERS.join(', ')}${didYouMean(text, tiers)}`,
          `${context.ja}: 「${text}」の層「${t}」はありません。層は ${TIERS.join('、')} です${didYouMean(text, tiers, 'ja')}`,
        );
        return null;
      }
      return this.segments.filter((s) => s.tier === (tier satisfies Tier)).map((s) => s.index);
    }
    const named = this.selectorNames.get(text);
    if (named?.kind === 'segment') return [named.index];
    if (named?.kind === 'group') return this.expandGroup(text, stack);
    this.unknownSelector = true;
    const names = [...this.selectorNames.keys()];
    this.push(
      'NAME-UNKNOWN',
      loc,
      `${context.en}: no segment or group named "${text}"${didYouMean(text, names)}`,
      `${context.ja}: 「${text}」という名前のセグメントもグループもありません${didYouMean(text, names, 'ja')}`,
    );
    return null;
  }

  private selectors(owner: At, key: 'from' | 'to', context: Ctx): Selector[] {
    const node = isRec(owner.data) ? owner.data[key] : undefined;
    const out: Selector[] = [];
    list(node).forEach((item, i) => {
      const text = str(item);
      if (text === null) return;
      const loc = where(owner, [key, i]);
      const segments = this.selector(text, loc, context);
      if (segments === null) return;
      for (const s of segments) this.used.add(s);
      out.push({ text, segments, loc });
    });
    return out;
  }

  // — flows and exceptions —

  private flows(): FlowRule[] {
    return this.items('flows').flatMap((f, index) => {
      if (!isRec(f.data)) return [];
      const id = str(f.data.id) ?? `#${index}`;
      const context = { en: `flow ${id}`, ja: `フロールール ${id}` };
      return [
        {
          index,
          id,
          action: f.data.action === 'deny' ? 'deny' : 'allow',
          from: this.selectors(f, 'from', context),
          to: this.selectors(f, 'to', context),
          services: this.services(f, 'services', context),
          ticket: str(f.data.ticket),
          loc: where(f, ['id']),
        } satisfies FlowRule,
      ];
    });
  }

  private exceptions(policy: Policy): Exception[] {
    const asOf = this.opts.asOf ?? todayIn(policy.timezone, this.opts.now);
    return this.items('exceptions').flatMap((x, index) => {
      if (!isRec(x.data)) return [];
      const id = str(x.data.id) ?? `#${index}`;
      const context = { en: `exception ${id}`, ja: `例外 ${id}` };
      const expires = str(x.data.expires) ?? '';
      const loc = where(x, ['expires']);
      if (!isCalendarDate(expires)) {
        this.push(
          'EXCEPTION-DATE-INVALID',
          loc,
          `exception ${id}: expires "${expires}" is not a calendar date`,
          `例外 ${id}: expires の「${expires}」は実在する日付ではありません`,
        );
      } else if (!isActive(expires, asOf)) {
        this.push(
          'EXCEPTION-EXPIRED',
          loc,
          `exception ${id} expired on ${expires} (as of ${asOf}); it lifts nothing any more`,
          `例外 ${id} は ${expires} に期限が切れています（${asOf} 時点）。もう何も解除しません`,
        );
      } else {
        const left = daysBetween(asOf, expires);
        // Measured from the day of the check: exceptions carry no start date, and the day a pull
        // request adds or extends one is the day CI judges it, so its whole validity is seen
        // then. A rule set that passed never starts failing as the days go by.
        if (policy.exceptionMaxDays !== null && left > policy.exceptionMaxDays) {
          this.push(
            'EXCEPTION-TOO-LONG',
            loc,
            `exception ${id} expires on ${expires}, ${left} days after ${asOf}: policy.exception-max-days allows at most ${policy.exceptionMaxDays}; approve it for a shorter time and renew it when it runs out`,
            `例外 ${id} の期限 ${expires} は ${asOf} から ${left} 日後です。policy.exception-max-days で認められるのは最長 ${policy.exceptionMaxDays} 日です。より短い期間で承認し、期限が来たら更新してください`,
          );
        }
        const warnDays = this.opts.warnExpiringDays ?? DEFAULT_WARN_EXPIRING_DAYS;
        if (left <= warnDays && warnDays > 0) {
          this.push(
            'EXCEPTION-EXPIRING',
            loc,
            `exception ${id} expires on ${expires}, in ${left} day${left === 1 ? '' : 's'} (as of ${asOf}); renew its approval or plan its removal`,
            `例外 ${id} は ${expires} に期限が切れます（${asOf} 時点で残り ${left} 日）。承認を更新するか、廃止を計画してください`,
          );
        }
      }
      return [
        {
          index,
          id,
          from: this.selectors(x, 'from', context),
          to: this.selectors(x, 'to', context),
          services: this.services(x, 'services', context),
          reason: str(x.data.reason) ?? '',
          approvedBy: str(x.data['approved-by']) ?? '',
          expires,
          ticket: str(x.data.ticket),
          loc: where(x, ['id']),
        } satisfies Exception,
      ];
    });
  }

  // — warnings about the model —

  /**
   * MODEL-MISMATCH: the terminals contradict policy.model. Judged when the rule set names its
   * model or declares staff terminals (LGWAN or internet tier; My Number terminals are the same
   * under every model): a fragment with neither states nothing a model could contradict.
   */
  private modelWarnings(): void {
    const declared = this.segments.filter((s) => s.tier !== 'outside');
    const terminals = declared.filter((s) => s.role === 'terminal' && s.tier !== 'mynumber');
    if (this.modelAt === null && terminals.length === 0) return;
    const model = this.model;
    const loc = this.modelAt ?? (this.files[0] ? this.files[0].locate([]) : nowhere('(no rule files)'));
    const inTier = (tier: Tier) => terminals.filter((s) => s.tier === tier).map((s) => s.name);
    const lgwanTerminals = inTier('lgwan');
    const internetTerminals = inTier('internet');
    const list = (names: string[]) => names.slice(0, 3).join(', ') + (names.length > 3 ? ', …' : '');
    const listJa = (names: string[]) => names.slice(0, 3).join('、') + (names.length > 3 ? '、…' : '');
    const is = this.modelAt ? `policy.model is ${label(model)}` : `policy.model is not set, so the model is ${label(model)}`;
    const isJa = this.modelAt ? `policy.model は ${MODEL_LABELS_JA[model]} です` : `policy.model が設定されていないため、モデルは ${MODEL_LABELS_JA[model]} です`;
    if (!BETA_MODELS.includes(model)) {
      if (lgwanTerminals.length > 0) return;
      const some = internetTerminals.length > 0;
      const where = some ? ` (the terminal segments are in the internet tier: ${list(internetTerminals)}, as under the β models)` : '';
      const whereJa = some ? `（端末のセグメントは β モデルのようにインターネット接続系にあります: ${listJa(internetTerminals)}）` : '';
      this.push(
        'MODEL-MISMATCH',
        loc,
        `${is}, where staff terminals sit in the LGWAN tier, but no LGWAN-tier segment has role: terminal${where}; declare them, or set the model the city runs (docs/models.md)`,
        `${isJa}。このモデルでは職員の端末は LGWAN接続系にありますが、role: terminal の LGWAN接続系のセグメントがありません${whereJa}。端末のセグメントを宣言するか、市が運用しているモデルを設定してください（docs/models.md）`,
      );
      return;
    }
    const missing: string[] = [];
    const missingJa: string[] = [];
    if (internetTerminals.length === 0) {
      const some = lgwanTerminals.length > 0;
      missing.push(
        some
          ? `no internet-tier segment has role: terminal (the terminal segments are in the LGWAN tier: ${list(lgwanTerminals)}, as under the α models)`
          : 'no internet-tier segment has role: terminal',
      );
      missingJa.push(
        `role: terminal のインターネット接続系のセグメントがありません${some ? `（端末のセグメントは α モデルのように LGWAN接続系にあります: ${listJa(lgwanTerminals)}）` : ''}`,
      );
    }
    const screen = declared.some((s) => s.tier === 'lgwan' && s.sanitizer?.method === 'screen-transfer' && s.sanitizer.peer === 'internet' && s.sanitizer.direction !== 'outbound');
    if (!screen) {
      missing.push('no LGWAN-tier screen-transfer sanitizer (peer internet, direction inbound) lets them reach LGWAN business systems');
      missingJa.push('端末が LGWAN接続系の業務システムに接続するための、LGWAN接続系の画面転送（screen-transfer）の無害化装置（peer internet、direction inbound）がありません');
    }
    if (missing.length === 0) return;
    this.push(
      'MODEL-MISMATCH',
      loc,
      `${is}, where staff terminals sit in the internet tier, but ${missing.join(', and ')}; declare them, or set the model the city runs (docs/models.md)`,
      `${isJa}。このモデルでは職員の端末はインターネット接続系にありますが、${missingJa.join('。また、')}。宣言するか、市が運用しているモデルを設定してください（docs/models.md）`,
    );
  }

  /**
   * CIDR-TIER-NESTED: a CIDR inside a CIDR of another tier. Longest-prefix match gives the inner
   * CIDR's addresses to its own segment, and every address of the outer one that no longer
   * prefix claims to the outer tier — a gap in a plan is then silently the outer tier's. CIDRs
   * nest or are disjoint, so one sweep per family in (first, prefix) order finds, for each, its
   * nearest enclosing CIDR.
   */
  private nestedCidrs(): void {
    type Entry = { cidr: Cidr; seg: Segment };
    for (const family of [4, 6] as const) {
      const all: Entry[] = [];
      for (const seg of this.segments) for (const cidr of seg.cidrs) if (cidr.family === family) all.push({ cidr, seg });
      all.sort((a, b) => (a.cidr.first < b.cidr.first ? -1 : a.cidr.first > b.cidr.first ? 1 : a.cidr.prefix - b.cidr.prefix));
      const stack: Entry[] = [];
      for (const e of all) {
        while (stack.length > 0 && stack[stack.length - 1]!.cidr.last < e.cidr.first) stack.pop();
        const outer = stack[stack.length - 1];
        if (outer && outer.cidr.prefix === e.cidr.prefix) continue; // the same network twice: CIDR-DUPLICATE
        if (outer && outer.seg.tier !== e.seg.tier) {
          this.push(
            'CIDR-TIER-NESTED',
            e.cidr.loc,
            `${e.cidr.text} of segment ${e.seg.name} (tier ${e.seg.tier}) lies inside ${outer.cidr.text} of segment ${outer.seg.name} (tier ${outer.seg.tier}, ${fileLine(outer.cidr.loc)}): every address of ${outer.cidr.text} that no longer prefix claims belongs to the ${outer.seg.tier} tier; split ${outer.cidr.text} if that is not intended`,
            `セグメント ${e.seg.name}（${TIER_JA[e.seg.tier]}）の ${e.cidr.text} は、セグメント ${outer.seg.name}（${TIER_JA[outer.seg.tier]}、${fileLine(outer.cidr.loc)}）の ${outer.cidr.text} の内側にあります。${outer.cidr.text} のアドレスのうち、より長いプレフィックスに含まれないものはすべて${TIER_JA[outer.seg.tier]}に属します。意図したものでなければ ${outer.cidr.text} を分割してください`,
          );
        }
        stack.push(e);
      }
    }
  }

  // — warnings about segments —

  private segmentWarnings(policy: Policy): void {
    this.segments.forEach((seg, i) => {
      if (seg.tier === 'outside') return;
      const at = this.segmentsAt[i]!;
      const d = isRec(at.data) ? at.data : {};
      if (!this.unknownSelector && !this.used.has(i) && seg.sanitizer === null && policy.defaults[seg.tier] !== 'allow') {
        this.push(
          'SEGMENT-UNUSED',
          seg.loc,
          `segment ${seg.name} is named by no flow or exception (directly, through a group or a tier: selector) and policy.defaults.${seg.tier} is deny: every flow to or from it is denied`,
          `セグメント ${seg.name} はどのフロールールにも例外にも（直接、グループ経由、tier: の指定のいずれでも）使われておらず、policy.defaults.${seg.tier} は deny です。このセグメントとの通信はすべて拒否されます`,
        );
      }
      if (seg.tier === 'mynumber' && seg.role === 'terminal' && !seg.mfa) {
        const loc = 'mfa' in d ? where(at, ['mfa']) : where(at, ['role']);
        this.push(
          'MFA-MISSING',
          loc,
          `segment ${seg.name} holds My Number terminals without mfa: true; the tier model denies every flow from it (MFA-REQUIRED, 5(3)ア)`,
          `セグメント ${seg.name} はマイナンバー利用事務系の端末のセグメントですが、mfa: true がありません。端末への多要素認証の導入が必要なため、ここからの通信はすべて拒否されます（MFA-REQUIRED、5(3)ア）`,
        );
      }
    });
  }
}

/** A model's label for messages: `alpha (α)`. */
function label(model: GuidelineModel): string {
  return MODEL_LABELS[model];
}

/**
 * Merges schema-checked rule files (in order) into a Model. `version` is recorded as the
 * model's version. Files that did not pass checkSchema are not rejected here; validateRuleSet
 * never passes them.
 */
export function buildModel(files: readonly SourceFile[], version: string, opts: BuildOptions = {}): BuildResult {
  return new Builder(files, version, opts).build();
}

/**
 * PAN-OS security rulebase (set format or XML) → device model.
 *
 * A PAN-OS firewall decides a new session by the first security rule, in rulebase order, whose
 * source and destination zones, addresses, application and service match; `disabled yes` rules
 * are skipped. When no rule matches, the predefined default rules decide: `intrazone-default`
 * allows traffic whose source and destination zone are the same, `interzone-default` denies the
 * rest; both can be overridden (`rulebase default-security-rules`). Source: Palo Alto Networks,
 * PAN-OS Administrator's Guide, "Security Policy" (rule types, default security policy rules)
 * and the PAN-OS CLI/XML configuration reference (`rulebase security rules`, `address`,
 * `address-group`, `service`, `service-group`, `zone`).
 *
 * Zones stay names in `in`/`out` conditions (the interfaces file maps them). Each vsys is its own
 * Device (`hostname/vsys1`); objects under `shared` are visible to every vsys; Panorama device
 * groups are refused. Applications other than `any` (and the service `application-default`,
 * whose ports depend on the application) decide by traffic content, not by addresses and ports:
 * DEVICE-APPLICATION, and under --lenient an allow rule is read as matching its service (every
 * service for application-default) and a deny rule as matching nothing — the reading that can
 * only report more forwarding, never less. docs/audit-vendors.md lists what else is refused.
 */
import type { ServiceRange } from '../model/types.js';
import { anySet, parseSpan, parseV4Prefix, parseV6Prefix, unionSets } from './addresses.js';
import { ApplianceReporter, loc } from './appliance-text.js';
import { parsePortSpan, PROTO_TCP, PROTO_UDP, portRange } from './services.js';
import { fromSet, fromXml, isXml, type PStmt, type PWord } from './panos-text.js';
import type { AddressSet, Condition, Device, DeviceLocation, DeviceRule, ParseResult } from './types.js';

const ALL_KEYS: ServiceRange = { lo: 0, hi: 256 * 65536 - 1 };
const PREDEFINED: Record<string, ServiceRange[]> = {
  'service-http': [portRange(PROTO_TCP, 80, 80), portRange(PROTO_TCP, 8080, 8080)],
  'service-https': [portRange(PROTO_TCP, 443, 443)],
};

interface Scope {
  addresses: Map<string, PStmt[]>;
  addressGroups: Map<string, PStmt[]>;
  services: Map<string, PStmt[]>;
  serviceGroups: Map<string, PStmt[]>;
  zones: Map<string, PStmt>;
  rules: Map<string, PStmt[]>;
  defaults: Map<string, PStmt[]>;
  hostname: string | null;
}

const emptyScope = (): Scope => ({
  addresses: new Map(),
  addressGroups: new Map(),
  services: new Map(),
  serviceGroups: new Map(),
  zones: new Map(),
  rules: new Map(),
  defaults: new Map(),
  hostname: null,
});

function add(m: Map<string, PStmt[]>, k: string, s: PStmt): void {
  m.set(k, [...(m.get(k) ?? []), s]);
}

/** The statement's words after `from`, or the member list. */
function valuesOf(s: PStmt, from: number): PWord[] {
  return s.list ?? s.words.slice(from);
}

class PanOs {
  readonly report: ApplianceReporter;
  readonly shared = emptyScope();
  readonly vsys = new Map<string, Scope>();
  readonly plain = emptyScope();

  constructor(
    readonly file: string,
    lenient: boolean,
  ) {
    this.report = new ApplianceReporter(lenient);
  }

  at(w: { line: number; col: number }): DeviceLocation {
    return loc(this.file, w.line, w.col);
  }

  read(stmts: PStmt[]): void {
    for (const s of stmts) {
      let w = s.words;
      // XML: config devices ENTRY …   set: (nothing)
      if (w[0]?.text === 'config') w = w.slice(1);
      if (w[0]?.text === 'devices') w = w.slice(2);
      if (w[0]?.text === 'mgt-config' || w[0]?.text === 'deviceconfig') {
        const h = w.findIndex((x) => x.text === 'hostname');
        if (h >= 0 && w[h + 1]) this.plain.hostname = w[h + 1]!.text;
        continue;
      }
      let scope = this.plain;
      if (w[0]?.text === 'shared') {
        scope = this.shared;
        w = w.slice(1);
      } else if (w[0]?.text === 'vsys' && w[1]) {
        if (!this.vsys.has(w[1].text)) this.vsys.set(w[1].text, emptyScope());
        scope = this.vsys.get(w[1].text)!;
        w = w.slice(2);
      } else if (w[0]?.text === 'device-group' || w[0]?.text === 'template' || w[0]?.text === 'template-stack') {
        this.report.fail('DEVICE-UNSUPPORTED', this.at(w[0]), `Panorama ${w[0].text} configurations are not supported: audit the firewall's own exported configuration`);
        continue;
      }
      this.statement(scope, { ...s, words: w });
    }
  }

  private statement(scope: Scope, s: PStmt): void {
    const w = s.words.map((x) => x.text);
    const name = w[1];
    switch (w[0]) {
      case 'address':
        if (name) add(scope.addresses, name, s);
        return;
      case 'address-group':
        if (name) add(scope.addressGroups, name, s);
        return;
      case 'service':
        if (name) add(scope.services, name, s);
        return;
      case 'service-group':
        if (name) add(scope.serviceGroups, name, s);
        return;
      case 'zone':
        if (name) scope.zones.set(name, s);
        return;
      case 'rulebase': {
        if (w[1] === 'security' && w[2] === 'rules' && w[3]) add(scope.rules, w[3], s);
        else if (w[1] === 'default-security-rules' && w[2] === 'rules' && w[3]) add(scope.defaults, w[3], s);
        else if (w[1] === 'nat' && w[2] === 'rules' && w[4] === 'destination-translation')
          this.report.fail('DEVICE-REWRITE', this.at(s.words[4]!), `NAT rule ${w[3]} translates destinations; the security rules then see other flows than the ones sent`);
        else if (w[1] === 'nat' && w[2] === 'rules' && w[4] === 'dynamic-destination-translation')
          this.report.fail('DEVICE-REWRITE', this.at(s.words[4]!), `NAT rule ${w[3]} translates destinations`);
        else if (w[1] === 'pbf' && w[2] === 'rules') this.report.fail('DEVICE-UNSUPPORTED', this.at(s.words[1]!), 'policy-based forwarding changes the zone a flow leaves by');
        return;
      }
      default:
    }
  }

  // ——— objects ———

  private find(scope: Scope, kind: 'addresses' | 'addressGroups' | 'services' | 'serviceGroups', name: string): PStmt[] | undefined {
    return scope[kind].get(name) ?? this.shared[kind].get(name);
  }

  address(scope: Scope, ref: PWord, stack: string[] = []): AddressSet | null {
    const name = ref.text;
    if (name === 'any') return anySet();
    const obj = this.find(scope, 'addresses', name);
    if (obj) {
      const parts: AddressSet[] = [];
      for (const s of obj) {
        const kind = s.words[2]?.text;
        const v = s.words[3];
        if (kind === 'description' || kind === 'tag') continue;
        if ((kind === 'ip-netmask' || kind === 'ip-range') && v) {
          const r = literal(v.text);
          if (!r) {
            this.report.fail('DEVICE-SYNTAX', this.at(v), `address ${name}: "${v.text}" is not an address, prefix or range`);
            return null;
          }
          parts.push(r);
        } else {
          this.report.fail(
            'DEVICE-UNSUPPORTED',
            this.at(s.words[2] ?? s.words[0]!),
            `address ${name} of type ${kind ?? '?'}: its addresses are not in the configuration (sanso reads ip-netmask and ip-range)`,
          );
          return null;
        }
      }
      return unionSets(parts);
    }
    const grp = this.find(scope, 'addressGroups', name);
    if (grp) {
      if (stack.includes(name)) {
        this.report.fatal('DEVICE-GROUP-CYCLE', this.at(grp[0]!.words[0]!), `address groups contain each other: ${[...stack, name].join(' → ')}`);
        return null;
      }
      const parts: AddressSet[] = [];
      for (const s of grp) {
        const kind = s.words[2]?.text;
        if (kind === 'description' || kind === 'tag') continue;
        if (kind !== 'static') {
          this.report.fail('DEVICE-UNSUPPORTED', this.at(s.words[2] ?? s.words[0]!), `address-group ${name}: dynamic groups are filled at run time`);
          return null;
        }
        for (const m of valuesOf(s, 3)) {
          const a = this.address(scope, m, [...stack, name]);
          if (a === null) return null;
          parts.push(a);
        }
      }
      return unionSets(parts);
    }
    const lit = literal(name);
    if (lit) return lit;
    this.report.fail('DEVICE-REFERENCE', this.at(ref), `no address or address-group named "${name}"`);
    return null;
  }

  service(scope: Scope, ref: PWord, stack: string[] = []): ServiceRange[] | null {
    const name = ref.text;
    if (name === 'any') return [ALL_KEYS];
    const obj = this.find(scope, 'services', name);
    if (obj) {
      const out: ServiceRange[] = [];
      for (const s of obj) {
        const w = s.words.map((x) => x.text);
        if (w[2] === 'description' || w[2] === 'tag') continue;
        // service NAME protocol tcp|udp port P | source-port P | override …
        if (w[2] !== 'protocol' || (w[3] !== 'tcp' && w[3] !== 'udp')) {
          this.report.fail('DEVICE-UNSUPPORTED', this.at(s.words[3] ?? s.words[0]!), `service ${name}: only tcp and udp services are supported`);
          return null;
        }
        const proto = w[3] === 'tcp' ? PROTO_TCP : PROTO_UDP;
        if (w[4] === 'source-port') {
          this.report.fail('DEVICE-SOURCE-PORT', this.at(s.words[4]!), `service ${name} restricts the source port`);
          if (!this.report.lenient) return null;
          continue;
        }
        if (w[4] === 'override') continue; // session timeouts
        if (w[4] !== 'port' || !s.words[5]) {
          this.report.fail('DEVICE-UNSUPPORTED', this.at(s.words[4] ?? s.words[0]!), `service ${name}: "${w[4] ?? ''}" is not supported`);
          return null;
        }
        for (const part of s.words[5].text.split(',')) {
          const span = parsePortSpan(part);
          if (!span) {
            this.report.fail('DEVICE-SYNTAX', this.at(s.words[5]), `service ${name}: "${part}" is not a port or port range`);
            return null;
          }
          out.push(portRange(proto, span.lo, span.hi));
        }
      }
      return out;
    }
    const grp = this.find(scope, 'serviceGroups', name);
    if (grp) {
      if (stack.includes(name)) {
        this.report.fatal('DEVICE-GROUP-CYCLE', this.at(grp[0]!.words[0]!), `service groups contain each other: ${[...stack, name].join(' → ')}`);
        return null;
      }
      const out: ServiceRange[] = [];
      for (const s of grp) {
        if (s.words[2]?.text !== 'members') continue;
        for (const m of valuesOf(s, 3)) {
          const r = this.service(scope, m, [...stack, name]);
          if (r === null) return null;
          out.push(...r);
        }
      }
      return out;
    }
    if (PREDEFINED[name]) return PREDEFINED[name]!;
    this.report.fail('DEVICE-REFERENCE', this.at(ref), `no service or service-group named "${name}" (predefined: any, application-default, ${Object.keys(PREDEFINED).join(', ')})`);
    return null;
  }

  // ——— rules ———

  build(name: string, scope: Scope): Device {
    const zones = [...new Set([...scope.zones.keys(), ...this.shared.zones.keys()])];
    const rules: DeviceRule[] = [];
    const zoneList = (r: string, vals: PWord[]): string[] | null | 'bad' => {
      const names = vals.map((v) => v.text);
      if (names.includes('any')) return null;
      for (const v of vals) {
        if (!zones.includes(v.text)) {
          this.report.fail('DEVICE-REFERENCE', this.at(v), `rule ${r}: no zone named "${v.text}"`);
          return 'bad';
        }
      }
      return names;
    };
    for (const [rname, stmts] of scope.rules) {
      const key = (k: string): PStmt | undefined => stmts.filter((s) => s.words[4]?.text === k).pop();
      const vals = (k: string): PWord[] | null => {
        const s = key(k);
        return s ? valuesOf(s, 5) : null;
      };
      const first = stmts[0]!;
      const rl = this.at(first.words[0]!);
      if (vals('disabled')?.[0]?.text === 'yes') continue;
      let ok = true;
      for (const k of ['schedule', 'source-user', 'category', 'source-hip', 'destination-hip', 'source-imei', 'source-imsi', 'source-nwi']) {
        const v = vals(k);
        if (v && !(v.length === 1 && (v[0]!.text === 'any' || v[0]!.text === 'none'))) {
          this.report.fail(
            'DEVICE-UNSUPPORTED',
            this.at(v[0] ?? key(k)!.words[4]!),
            `rule ${rname}: ${k} ${v.map((x) => x.text).join(' ')} matches on something other than zones, addresses and services`,
          );
          ok = false;
        }
      }
      const from = zoneList(rname, vals('from') ?? []);
      const to = zoneList(rname, vals('to') ?? []);
      if (from === 'bad' || to === 'bad') ok = false;
      const addrs = (k: string): AddressSet | null => {
        const v = vals(k) ?? [];
        if (v.length === 0) {
          this.report.fail('DEVICE-SYNTAX', rl, `rule ${rname} has no ${k}`);
          return null;
        }
        const parts: AddressSet[] = [];
        for (const x of v) {
          const a = this.address(scope, x);
          if (a === null) return null;
          parts.push(a);
        }
        return unionSets(parts);
      };
      const src = addrs('source');
      const dst = addrs('destination');
      if (src === null || dst === null) ok = false;
      const action = vals('action')?.[0];
      const allow = action?.text === 'allow';
      if (!action || !['allow', 'deny', 'drop', 'reset-client', 'reset-server', 'reset-both'].includes(action.text)) {
        this.report.fail('DEVICE-SYNTAX', action ? this.at(action) : rl, `rule ${rname}: action allow, deny, drop or reset-*`);
        ok = false;
      }
      const apps = vals('application') ?? [];
      const svcWords = vals('service') ?? [];
      let service: ServiceRange[] | null = [];
      let never = false;
      const namedApps = apps.filter((a) => a.text !== 'any');
      const appDefault = svcWords.some((s) => s.text === 'application-default');
      if (namedApps.length > 0 || appDefault) {
        const w = namedApps[0] ?? svcWords.find((s) => s.text === 'application-default')!;
        this.report.fail(
          'DEVICE-APPLICATION',
          this.at(w),
          namedApps.length > 0
            ? `rule ${rname}: applications ${namedApps.map((a) => a.text).join(', ')} are matched by content`
            : `rule ${rname}: service application-default depends on the application`,
        );
        if (!this.report.lenient) ok = false;
        else if (!allow) never = true;
      }
      for (const sv of svcWords) {
        if (sv.text === 'application-default') {
          service?.push(ALL_KEYS);
          continue;
        }
        const r = this.service(scope, sv);
        if (r === null) service = null;
        else service?.push(...r);
      }
      if (svcWords.length === 0) {
        this.report.fail('DEVICE-SYNTAX', rl, `rule ${rname} has no service`);
        ok = false;
      }
      if (service === null) ok = false;
      if (!ok || src === null || dst === null || service === null || from === 'bad' || to === 'bad') continue;
      const type = vals('rule-type')?.[0]?.text ?? 'universal';
      const base: Condition[] = [
        { kind: 'src', set: src, negate: vals('negate-source')?.[0]?.text === 'yes' },
        { kind: 'dst', set: dst, negate: vals('negate-destination')?.[0]?.text === 'yes' },
        { kind: 'service', ranges: service, negate: false },
      ];
      if (never) base.push({ kind: 'never', why: 'a deny rule on named applications is read as matching nothing (--lenient)' });
      const text = `rule ${rname}: ${['from', 'to', 'source', 'destination', 'application', 'service', 'action'].map((k) => `${k} ${(vals(k) ?? []).map((x) => x.text).join(',')}`).join('; ')}`;
      const target = allow ? ({ kind: 'accept' } as const) : ({ kind: 'drop' } as const);
      const push = (inZ: string[] | null, outZ: string[] | null): void => {
        const c: Condition[] = [];
        if (inZ) c.push({ kind: 'in', names: inZ, negate: false });
        if (outZ) c.push({ kind: 'out', names: outZ, negate: false });
        rules.push({ conditions: [...c, ...base], target, loc: rl, text, id: rname });
      };
      if (type === 'universal') push(from, to);
      else if (type === 'intrazone') for (const z of from ?? zones) push([z], [z]);
      else if (type === 'interzone') {
        for (const z of from ?? zones) {
          const outs = (to ?? zones).filter((x) => x !== z);
          if (outs.length > 0) push([z], outs);
        }
      } else this.report.fail('DEVICE-SYNTAX', rl, `rule ${rname}: rule-type ${type}`);
    }
    // The predefined default rules.
    const defAction = (n: string, dflt: 'allow' | 'deny'): { allow: boolean; loc: DeviceLocation | null } => {
      const s = (scope.defaults.get(n) ?? []).filter((x) => x.words[4]?.text === 'action').pop();
      const v = s?.words[5]?.text ?? dflt;
      return { allow: v === 'allow', loc: s ? this.at(s.words[5]!) : null };
    };
    const intra = defAction('intrazone-default', 'allow');
    for (const z of zones) {
      rules.push({
        conditions: [
          { kind: 'in', names: [z], negate: false },
          { kind: 'out', names: [z], negate: false },
        ],
        target: intra.allow ? { kind: 'accept' } : { kind: 'drop' },
        loc: intra.loc ?? loc(this.file, 1, 1),
        text: `intrazone-default (${intra.allow ? 'allow' : 'deny'})`,
        id: 'intrazone-default',
      });
    }
    const inter = defAction('interzone-default', 'deny');
    return {
      name,
      file: this.file,
      format: 'panos',
      families: [4, 6],
      chains: new Map([['forward', { name: 'forward', rules, policy: inter.allow ? 'accept' : 'drop', policyLoc: inter.loc }]]),
      entry: ['forward'],
    };
  }
}

/** An address literal in a rule or an object: host, prefix, or a-b range, of either family. */
function literal(t: string): AddressSet | null {
  if (t.indexOf('-') > 0) {
    const s = parseSpan(t);
    if (s === null || s === 'upside-down') return null;
    return s.family === 4 ? { v4: [s.range], v6: [] } : { v4: [], v6: [s.range] };
  }
  // a.b.c.d or a.b.c.d/nn (PAN-OS writes no dotted masks)
  const r4 = parseV4Prefix(t, { masks: false });
  if (r4) return { v4: [r4], v6: [] };
  const r6 = t.includes(':') ? parseV6Prefix(t) : null;
  return r6 ? { v4: [], v6: [r6] } : null;
}

export function parsePanos(text: string, file: string, opts: { lenient: boolean }): ParseResult {
  const p = new PanOs(file, opts.lenient);
  const stmts = isXml(text) ? fromXml(text, file, p.report) : fromSet(text, file, p.report);
  if (p.report.problems.some((x) => x.code === 'DEVICE-SYNTAX')) return { devices: [], problems: p.report.problems };
  p.read(stmts);
  const host = p.plain.hostname;
  const devices: Device[] = [];
  if (p.vsys.size === 0) devices.push(p.build(host ?? file, p.plain));
  else for (const [v, scope] of p.vsys) devices.push(p.build(host ? `${host}/${v}` : v, scope));
  return { devices, problems: p.report.problems };
}

/** PAN-OS set commands or XML configuration. */
export function detect(text: string): boolean {
  if (isXml(text)) return /<(devices|shared|rulebase|vsys)\b/.test(text);
  return /^set (vsys \S+ |shared )?(rulebase (security|nat|default-security-rules) |address \S+ (ip-netmask|ip-range|fqdn|ip-wildcard) |address-group \S+ (static|dynamic)|service \S+ protocol |service-group \S+ members|zone \S+ network )/m.test(
    text,
  );
}

/**
 * FortiOS (`show full-configuration`, a backup file, or a CLI script) → device model.
 *
 * A FortiGate forwards a new session when the first enabled policy of `config firewall policy`
 * (in table order — the edit id is a name, not a position) that matches its incoming and outgoing
 * interface or zone, source, destination and service says accept; no match is the implicit deny
 * (policy 0). Each VDOM is a separate firewall and becomes its own Device. What sanso reads and
 * what it refuses is listed in docs/audit-vendors.md; in short, everything that could change
 * what is forwarded and is not an address, service, interface or zone match is an error:
 * VIPs (destination NAT), schedules other than always, users and groups, Internet Service
 * objects, policy routes, the policy-based NGFW mode.
 *
 * Sources: Fortinet Document Library, FortiOS CLI Reference (config firewall policy, address,
 * address6, addrgrp, service custom, service group, system zone) and the FortiOS Administration
 * Guide, "Policies" (implicit deny, policy order, intrazone traffic).
 */
import type { ServiceRange } from '../model/types.js';
import type { AddressSet, Chain, Condition, Device, DeviceRule, ParseResult } from './types.js';
import { anySet4, anySet6, emptySet, parseV4, parseV4AddrMask, parseV4Prefix, parseV6, parseV6Prefix, unionSets } from './addresses.js';
import { ApplianceReporter, loc } from './appliance-text.js';
import { isEveryPort, parsePortSpan, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, portRange, protoRange } from './services.js';
import { blocks, entries, type FConfig, type FEdit, type FSet, parseTree, value } from './fortios-tree.js';

const PROTO_SCTP = 132;
const ALL_KEYS: ServiceRange = { lo: 0, hi: 256 * 65536 - 1 };

/**
 * Predefined services, used when the configuration does not define the name itself (a full
 * configuration prints the predefined ones under `config firewall service custom`, and then
 * those definitions win). Values as FortiOS 7.x ships them.
 */
const PREDEFINED: Record<string, ServiceRange[]> = {
  ALL: [ALL_KEYS],
  ALL_TCP: [portRange(PROTO_TCP, 1, 65535)],
  ALL_UDP: [portRange(PROTO_UDP, 1, 65535)],
  ALL_ICMP: [protoRange(PROTO_ICMP)],
  ALL_ICMP6: [protoRange(PROTO_ICMPV6)],
  GRE: [protoRange(47)],
  ESP: [protoRange(50)],
  AH: [protoRange(51)],
  HTTP: [portRange(PROTO_TCP, 80, 80)],
  HTTPS: [portRange(PROTO_TCP, 443, 443)],
  DNS: [portRange(PROTO_TCP, 53, 53), portRange(PROTO_UDP, 53, 53)],
  SSH: [portRange(PROTO_TCP, 22, 22)],
  TELNET: [portRange(PROTO_TCP, 23, 23)],
  FTP: [portRange(PROTO_TCP, 21, 21)],
  SMTP: [portRange(PROTO_TCP, 25, 25)],
  SMTPS: [portRange(PROTO_TCP, 465, 465)],
  POP3: [portRange(PROTO_TCP, 110, 110)],
  POP3S: [portRange(PROTO_TCP, 995, 995)],
  IMAP: [portRange(PROTO_TCP, 143, 143)],
  IMAPS: [portRange(PROTO_TCP, 993, 993)],
  NTP: [portRange(PROTO_TCP, 123, 123), portRange(PROTO_UDP, 123, 123)],
  SNMP: [portRange(PROTO_TCP, 161, 162), portRange(PROTO_UDP, 161, 162)],
  SYSLOG: [portRange(PROTO_UDP, 514, 514)],
  RDP: [portRange(PROTO_TCP, 3389, 3389)],
  SMB: [portRange(PROTO_TCP, 445, 445)],
  SAMBA: [portRange(PROTO_TCP, 139, 139)],
  LDAP: [portRange(PROTO_TCP, 389, 389)],
  LDAP_UDP: [portRange(PROTO_UDP, 389, 389)],
  KERBEROS: [portRange(PROTO_TCP, 88, 88), portRange(PROTO_UDP, 88, 88)],
  'MS-SQL': [portRange(PROTO_TCP, 1433, 1434)],
  MYSQL: [portRange(PROTO_TCP, 3306, 3306)],
  DHCP: [portRange(PROTO_UDP, 67, 68)],
  TFTP: [portRange(PROTO_UDP, 69, 69)],
  IKE: [portRange(PROTO_UDP, 500, 500), portRange(PROTO_UDP, 4500, 4500)],
};

export const FORTIOS_PREDEFINED_SERVICES = Object.keys(PREDEFINED);

/** Policy keys whose presence (with a value other than the default) changes what matches. */
const REFUSED_POLICY_KEYS: Record<string, (v: string) => boolean> = {
  groups: (v) => v !== '',
  users: (v) => v !== '',
  'fsso-groups': (v) => v !== '',
  'internet-service': (v) => v === 'enable',
  'internet-service-src': (v) => v === 'enable',
  'internet-service6': (v) => v === 'enable',
  'internet-service6-src': (v) => v === 'enable',
  'ztna-status': (v) => v === 'enable',
  application: (v) => v !== '',
  'app-category': (v) => v !== '',
  'app-group': (v) => v !== '',
  'url-category': (v) => v !== '',
  'src-vendor-mac': (v) => v !== '',
  'reputation-minimum': (v) => v !== '0' && v !== '',
  'match-vip': (v) => v === 'enable',
};

/** Tables whose entries change forwarding in ways the model has no words for. */
const REFUSED_TABLES: Record<string, { code: 'DEVICE-UNSUPPORTED' | 'DEVICE-REWRITE'; why: string }> = {
  'firewall security-policy': { code: 'DEVICE-UNSUPPORTED', why: 'NGFW policy-based security policies decide by application' },
  'firewall proxy-policy': { code: 'DEVICE-UNSUPPORTED', why: 'proxy policies forward connections through the FortiGate\u2019s own proxy' },
  'router policy': { code: 'DEVICE-UNSUPPORTED', why: 'policy routes change the interface a flow leaves by' },
  'router policy6': { code: 'DEVICE-UNSUPPORTED', why: 'policy routes change the interface a flow leaves by' },
  'firewall policy46': { code: 'DEVICE-REWRITE', why: 'NAT46 policies translate addresses' },
  'firewall policy64': { code: 'DEVICE-REWRITE', why: 'NAT64 policies translate addresses' },
};

type Kind = 'addr4' | 'addr6' | 'grp4' | 'grp6' | 'vip';

interface Obj {
  kind: Kind;
  edit: FEdit;
}

class Vdom {
  readonly objs4 = new Map<string, Obj>();
  readonly objs6 = new Map<string, Obj>();
  readonly services = new Map<string, FEdit>();
  readonly serviceGroups = new Map<string, FEdit>();
  private readonly addrMemo = new Map<string, AddressSet | null>();
  private readonly svcMemo = new Map<string, ServiceRange[] | null>();

  constructor(
    readonly configs: FConfig[],
    readonly file: string,
    readonly report: ApplianceReporter,
  ) {
    for (const e of entries(configs, 'firewall address')) this.objs4.set(e.name, { kind: 'addr4', edit: e });
    for (const e of entries(configs, 'firewall addrgrp')) this.objs4.set(e.name, { kind: 'grp4', edit: e });
    for (const e of entries(configs, 'firewall address6')) this.objs6.set(e.name, { kind: 'addr6', edit: e });
    for (const e of entries(configs, 'firewall addrgrp6')) this.objs6.set(e.name, { kind: 'grp6', edit: e });
    for (const path of ['firewall vip', 'firewall vipgrp']) for (const e of entries(configs, path)) this.objs4.set(e.name, { kind: 'vip', edit: e });
    for (const path of ['firewall vip6', 'firewall vipgrp6']) for (const e of entries(configs, path)) this.objs6.set(e.name, { kind: 'vip', edit: e });
    for (const e of entries(configs, 'firewall service custom')) this.services.set(e.name, e);
    for (const e of entries(configs, 'firewall service group')) this.serviceGroups.set(e.name, e);
  }

  at(s: { line: number; col: number }): ReturnType<typeof loc> {
    return loc(this.file, s.line, s.col);
  }

  /** An address object or group of one family; null when it cannot be read (reported). */
  address(name: string, family: 4 | 6, ref: { line: number; col: number }, stack: string[] = []): AddressSet | null {
    const memoKey = `${family}:${name}`;
    if (this.addrMemo.has(memoKey)) return this.addrMemo.get(memoKey)!;
    const objs = family === 4 ? this.objs4 : this.objs6;
    const obj = objs.get(name);
    let result: AddressSet | null;
    if (!obj) {
      if (name === 'all') result = family === 4 ? anySet4() : anySet6();
      else if (name === 'none') result = emptySet();
      else {
        this.report.fail('DEVICE-REFERENCE', this.at(ref), `no ${family === 4 ? 'firewall address or addrgrp' : 'firewall address6 or addrgrp6'} named "${name}"`);
        result = null;
      }
    } else if (stack.includes(name)) {
      this.report.fatal('DEVICE-GROUP-CYCLE', this.at(obj.edit), `address groups contain each other: ${[...stack, name].join(' → ')}`);
      return null;
    } else if (obj.kind === 'vip') {
      this.report.fail(
        'DEVICE-REWRITE',
        this.at(ref),
        `"${name}" is a virtual IP (destination NAT, defined at line ${obj.edit.line}): the policy sees the translated destination, which sanso does not model`,
      );
      result = null;
    } else if (obj.kind === 'grp4' || obj.kind === 'grp6') {
      result = this.group(obj.edit, family, [...stack, name]);
    } else {
      result = obj.kind === 'addr4' ? this.address4(obj.edit) : this.address6(obj.edit);
    }
    this.addrMemo.set(memoKey, result);
    return result;
  }

  private group(e: FEdit, family: 4 | 6, stack: string[]): AddressSet | null {
    const exclude = e.sets.get('exclude');
    if (exclude && value(e, 'exclude') === 'enable') {
      this.report.fail('DEVICE-UNSUPPORTED', this.at(exclude), `address group "${e.name}" excludes members (exclude enable): not supported`);
      return null;
    }
    const member = e.sets.get('member');
    const parts: AddressSet[] = [];
    let ok = true;
    for (const m of member?.values ?? []) {
      const s = this.address(m.text, family, { line: member!.line, col: m.col }, stack);
      if (s === null) ok = false;
      else parts.push(s);
    }
    return ok ? unionSets(parts) : null;
  }

  private address4(e: FEdit): AddressSet | null {
    const type = value(e, 'type') ?? 'ipmask';
    if (type === 'ipmask') {
      const s = e.sets.get('subnet');
      if (!s) return anySet4(); // FortiOS's default subnet is 0.0.0.0 0.0.0.0
      const r = s.values.length === 2 ? parseV4AddrMask(s.values[0]!.text, s.values[1]!.text) : s.values.length === 1 ? parseV4Prefix(s.values[0]!.text) : null;
      if (!r) {
        this.report.fail('DEVICE-SYNTAX', this.at(s), `address "${e.name}": subnet "${s.values.map((v) => v.text).join(' ')}" is not an address and a contiguous mask`);
        return null;
      }
      return { v4: [r], v6: [] };
    }
    if (type === 'iprange') {
      const a = e.sets.get('start-ip');
      const b = e.sets.get('end-ip');
      const lo = a && a.values.length === 1 ? parseV4(a.values[0]!.text) : null;
      const hi = b && b.values.length === 1 ? parseV4(b.values[0]!.text) : null;
      if (lo === null || hi === null || hi < lo) {
        this.report.fail('DEVICE-SYNTAX', this.at(a ?? b ?? e), `address "${e.name}": iprange needs start-ip ≤ end-ip`);
        return null;
      }
      return { v4: [{ lo, hi }], v6: [] };
    }
    const t = e.sets.get('type')!;
    this.report.fail('DEVICE-UNSUPPORTED', this.at(t), `address "${e.name}" of type ${type}: its addresses are not in the configuration (sanso reads ipmask and iprange)`);
    return null;
  }

  private address6(e: FEdit): AddressSet | null {
    const type = value(e, 'type') ?? 'ipprefix';
    if (type === 'ipprefix') {
      const s = e.sets.get('ip6');
      if (!s) return anySet6(); // ::/0 is the default
      const r = s.values.length === 1 ? parseV6Prefix(s.values[0]!.text) : null;
      if (!r) {
        this.report.fail('DEVICE-SYNTAX', this.at(s), `address6 "${e.name}": "${value(e, 'ip6')}" is not an IPv6 prefix`);
        return null;
      }
      return { v4: [], v6: [r] };
    }
    if (type === 'iprange') {
      const a = e.sets.get('start-ip');
      const b = e.sets.get('end-ip');
      const lo = a && a.values.length === 1 ? parseV6(a.values[0]!.text) : null;
      const hi = b && b.values.length === 1 ? parseV6(b.values[0]!.text) : null;
      if (lo === null || hi === null || hi < lo) {
        this.report.fail('DEVICE-SYNTAX', this.at(a ?? b ?? e), `address6 "${e.name}": iprange needs start-ip ≤ end-ip`);
        return null;
      }
      return { v4: [], v6: [{ lo, hi }] };
    }
    const t = e.sets.get('type')!;
    this.report.fail('DEVICE-UNSUPPORTED', this.at(t), `address6 "${e.name}" of type ${type}: its addresses are not in the configuration (sanso reads ipprefix and iprange)`);
    return null;
  }

  service(name: string, ref: { line: number; col: number }, stack: string[] = []): ServiceRange[] | null {
    if (this.svcMemo.has(name)) return this.svcMemo.get(name)!;
    let result: ServiceRange[] | null;
    const custom = this.services.get(name);
    const group = this.serviceGroups.get(name);
    if (stack.includes(name)) {
      this.report.fatal('DEVICE-GROUP-CYCLE', this.at(group ?? ref), `service groups contain each other: ${[...stack, name].join(' → ')}`);
      return null;
    }
    if (custom) result = this.custom(custom);
    else if (group) {
      const member = group.sets.get('member');
      const parts: ServiceRange[] = [];
      let ok = true;
      for (const m of member?.values ?? []) {
        const s = this.service(m.text, { line: member!.line, col: m.col }, [...stack, name]);
        if (s === null) ok = false;
        else parts.push(...s);
      }
      result = ok ? parts : null;
    } else if (PREDEFINED[name]) result = PREDEFINED[name]!;
    else {
      this.report.fail(
        'DEVICE-REFERENCE',
        this.at(ref),
        `no firewall service custom or group named "${name}", and it is not a predefined service sanso knows (${FORTIOS_PREDEFINED_SERVICES.join(', ')})`,
      );
      result = null;
    }
    this.svcMemo.set(name, result);
    return result;
  }

  private custom(e: FEdit): ServiceRange[] | null {
    for (const key of ['iprange', 'fqdn'] as const) {
      const s = e.sets.get(key);
      const v = value(e, key);
      if (s && v !== null && v !== '' && v !== '0.0.0.0') {
        this.report.fail('DEVICE-UNSUPPORTED', this.at(s), `service "${e.name}" restricts the destination (${key} ${v}): not supported`);
        return null;
      }
    }
    const proxy = e.sets.get('proxy');
    if (proxy && value(e, 'proxy') === 'enable') {
      this.report.fail('DEVICE-UNSUPPORTED', this.at(proxy), `service "${e.name}" is an explicit-proxy service: not supported`);
      return null;
    }
    const protocol = (value(e, 'protocol') ?? 'TCP/UDP/SCTP').toUpperCase();
    const protoSet = e.sets.get('protocol');
    switch (protocol) {
      case 'TCP/UDP/SCTP': {
        const out: ServiceRange[] = [];
        let ok = true;
        for (const [key, proto] of [
          ['tcp-portrange', PROTO_TCP],
          ['udp-portrange', PROTO_UDP],
          ['sctp-portrange', PROTO_SCTP],
        ] as const) {
          const s = e.sets.get(key);
          if (!s) continue;
          for (const v of s.values) {
            const r = this.portPart(e, s, v, proto);
            if (r === null) ok = false;
            else out.push(...r);
          }
        }
        return ok ? out : null;
      }
      case 'ICMP':
      case 'ICMP6': {
        const type = e.sets.get('icmptype');
        if (type && type.values.length > 0) {
          this.report.fail('DEVICE-UNSUPPORTED', this.at(type), `service "${e.name}" matches ICMP type ${value(e, 'icmptype')} only: the policy model has no ICMP types`);
          return null;
        }
        return [protoRange(protocol === 'ICMP' ? PROTO_ICMP : PROTO_ICMPV6)];
      }
      case 'IP': {
        const s = e.sets.get('protocol-number');
        const n = s ? Number(value(e, 'protocol-number')) : 0;
        if (!Number.isInteger(n) || n < 0 || n > 255) {
          this.report.fail('DEVICE-SYNTAX', this.at(s ?? e), `service "${e.name}": protocol-number must be 0–255`);
          return null;
        }
        return n === 0 ? [ALL_KEYS] : [protoRange(n)];
      }
      default:
        this.report.fail('DEVICE-UNSUPPORTED', this.at(protoSet ?? e), `service "${e.name}": protocol ${protocol} is not supported (TCP/UDP/SCTP, ICMP, ICMP6, IP)`);
        return null;
    }
  }

  /** One `dst[:src]` word of a port range. */
  private portPart(e: FEdit, s: FSet, v: { text: string; col: number }, proto: number): ServiceRange[] | null {
    const colon = v.text.indexOf(':');
    const dst = parsePortSpan(colon < 0 ? v.text : v.text.slice(0, colon));
    const src = colon < 0 ? null : parsePortSpan(v.text.slice(colon + 1));
    if (dst === null || (colon >= 0 && src === null)) {
      this.report.fail('DEVICE-SYNTAX', this.at({ line: s.line, col: v.col }), `service "${e.name}": "${v.text}" is not a port range (low[-high][:srclow[-srchigh]])`);
      return null;
    }
    if (src !== null && !isEveryPort(src)) {
      // The model has no source ports. Strict: refused. Lenient: read as every source port.
      this.report.fail('DEVICE-SOURCE-PORT', this.at({ line: s.line, col: v.col }), `service "${e.name}": "${v.text}" restricts the source port to ${src.lo}-${src.hi}`);
      if (!this.report.lenient) return null;
    }
    if (proto === PROTO_SCTP) {
      if (!(dst.lo <= 1 && dst.hi === 65535)) {
        this.report.fail('DEVICE-UNSUPPORTED', this.at({ line: s.line, col: v.col }), `service "${e.name}": SCTP ports are not in the policy model (only every SCTP port)`);
        return null;
      }
      return [protoRange(PROTO_SCTP)];
    }
    return [portRange(proto, dst.lo, dst.hi)];
  }
}

/** The names a policy's srcintf/dstintf value stands for: a zone also stands for its members. */
function interfaceNames(values: readonly string[], zones: Map<string, string[]>): string[] | null {
  if (values.includes('any')) return null;
  const out: string[] = [];
  for (const v of values) out.push(v, ...(zones.get(v) ?? []));
  return [...new Set(out)];
}

/**
 * Whether a policy negates one address key. In the consolidated table (FortiOS 6.4+)
 * srcaddr-negate covers srcaddr6 too, unless the policy has its own srcaddr6-negate (7.2+).
 */
function negated(p: FEdit, key: string): boolean {
  const own = value(p, `${key}-negate`);
  if (own !== null) return own === 'enable';
  if (key.endsWith('6')) return value(p, `${key.slice(0, -1)}-negate`) === 'enable';
  return false;
}

function summary(e: FEdit): string {
  const keys = ['name', 'srcintf', 'dstintf', 'srcaddr', 'dstaddr', 'srcaddr6', 'dstaddr6', 'srcaddr-negate', 'dstaddr-negate', 'service', 'service-negate', 'action'];
  const parts = keys.filter((k) => e.sets.has(k)).map((k) => `${k} ${value(e, k)}`);
  return `policy ${e.name}: ${parts.join('; ')}`;
}

function buildVdom(name: string, configs: FConfig[], file: string, report: ApplianceReporter): Device {
  const v = new Vdom(configs, file, report);
  const zones = new Map<string, string[]>();
  const rules: DeviceRule[] = [];
  for (const z of entries(configs, 'system zone')) {
    const members = (z.sets.get('interface')?.values ?? []).map((t) => t.text);
    zones.set(z.name, members);
    if (value(z, 'intrazone') === 'allow') {
      // Traffic between interfaces of one zone is allowed without a policy.
      const names = [z.name, ...members];
      rules.push({
        conditions: [
          { kind: 'in', names, negate: false },
          { kind: 'out', names, negate: false },
        ],
        target: { kind: 'accept' },
        loc: loc(file, z.sets.get('intrazone')!.line, z.sets.get('intrazone')!.col),
        text: `zone ${z.name}: set intrazone allow`,
        id: `zone:${z.name}`,
      });
    }
  }

  for (const [path, why] of Object.entries(REFUSED_TABLES)) {
    for (const b of blocks(configs, path)) {
      if (b.edits.length > 0) report.fail(why.code, loc(file, b.line, b.col), `config ${path}: ${why.why}; sanso cannot audit it`);
    }
  }
  for (const b of blocks(configs, 'system settings')) {
    const ngfw = b.sets.get('ngfw-mode');
    if (ngfw && value(b, 'ngfw-mode') === 'policy-based')
      report.fail(
        'DEVICE-UNSUPPORTED',
        loc(file, ngfw.line, ngfw.col),
        'ngfw-mode policy-based: security policies decide by application; sanso reads profile-based firewall policies',
      );
    const central = b.sets.get('central-nat');
    if (central && value(b, 'central-nat') === 'enable' && (v.objs4.size > 0 || v.objs6.size > 0) && [...v.objs4.values(), ...v.objs6.values()].some((o) => o.kind === 'vip')) {
      report.fail('DEVICE-REWRITE', loc(file, central.line, central.col), 'central NAT with virtual IPs: destinations are translated before the policies see them');
    }
  }

  const tables: { path: string; family: 4 | 6 | null }[] = [
    { path: 'firewall policy', family: null },
    { path: 'firewall policy6', family: 6 },
  ];
  for (const { path, family } of tables) {
    for (const p of entries(configs, path)) {
      if (value(p, 'status') === 'disable') continue;
      const rl = loc(file, p.line, p.col);
      let ok = true;
      const refuse = (code: 'DEVICE-UNSUPPORTED' | 'DEVICE-REWRITE', s: FSet, why: string): void => {
        report.fail(code, loc(file, s.line, s.col), `policy ${p.name}: ${why}`);
        ok = false;
      };
      for (const [key, bad] of Object.entries(REFUSED_POLICY_KEYS)) {
        const s = p.sets.get(key);
        if (s && bad(value(p, key)!)) refuse('DEVICE-UNSUPPORTED', s, `"${s.raw}" matches on something other than addresses, services and interfaces`);
      }
      const schedule = p.sets.get('schedule');
      if (schedule && value(p, 'schedule') !== 'always') refuse('DEVICE-UNSUPPORTED', schedule, `schedule "${value(p, 'schedule')}": the policy only holds at some times`);
      const actionSet = p.sets.get('action');
      // "allow" is what some older exports (and Batfish's FortiOS test configurations) write.
      const action = value(p, 'action') ?? 'deny';
      if (action !== 'accept' && action !== 'allow' && action !== 'deny' && action !== 'ipsec') {
        refuse('DEVICE-UNSUPPORTED', actionSet!, `action ${action} is not supported (accept, deny, ipsec)`);
      }
      const intf = (key: string): string[] | null | undefined => {
        const s = p.sets.get(key);
        if (!s || s.values.length === 0) {
          report.fail('DEVICE-SYNTAX', rl, `policy ${p.name} has no ${key}`);
          ok = false;
          return undefined;
        }
        return interfaceNames(
          s.values.map((t) => t.text),
          zones,
        );
      };
      const inNames = intf('srcintf');
      const outNames = intf('dstintf');
      const addrs = (key: string, fam: 4 | 6): AddressSet | null | undefined => {
        const s = p.sets.get(key);
        if (!s || s.values.length === 0) return undefined;
        const parts: AddressSet[] = [];
        for (const t of s.values) {
          const a = v.address(t.text, fam, { line: s.line, col: t.col });
          if (a === null) {
            ok = false;
            return null;
          }
          parts.push(a);
        }
        return unionSets(parts);
      };
      const svcSet = p.sets.get('service');
      let service: ServiceRange[] | null = null;
      if (!svcSet || svcSet.values.length === 0) {
        report.fail('DEVICE-SYNTAX', rl, `policy ${p.name} has no service`);
        ok = false;
      } else {
        const parts: ServiceRange[] = [];
        for (const t of svcSet.values) {
          const r = v.service(t.text, { line: svcSet.line, col: t.col });
          if (r === null) ok = false;
          else parts.push(...r);
        }
        service = parts;
      }
      const families: { fam: 4 | 6; src: string; dst: string }[] = [];
      if (family !== 6) families.push({ fam: 4, src: 'srcaddr', dst: 'dstaddr' }, { fam: 6, src: 'srcaddr6', dst: 'dstaddr6' });
      else families.push({ fam: 6, src: 'srcaddr', dst: 'dstaddr' });
      const built: DeviceRule[] = [];
      for (const { fam, src, dst } of families) {
        const s = addrs(src, fam);
        const d = addrs(dst, fam);
        if (s === undefined || d === undefined || s === null || d === null) continue;
        const conditions: Condition[] = [{ kind: 'family', family: fam, negate: false }];
        if (inNames) conditions.push({ kind: 'in', names: inNames, negate: false });
        if (outNames) conditions.push({ kind: 'out', names: outNames, negate: false });
        conditions.push({ kind: 'src', set: s, negate: negated(p, src) });
        conditions.push({ kind: 'dst', set: d, negate: negated(p, dst) });
        if (service) conditions.push({ kind: 'service', ranges: service, negate: value(p, 'service-negate') === 'enable' });
        built.push({ conditions, target: { kind: action === 'deny' ? 'drop' : 'accept' }, loc: rl, text: summary(p), id: p.name });
      }
      if (!ok) continue; // reported; under --lenient the policy is left out
      if (built.length === 0) report.fail('DEVICE-SYNTAX', rl, `policy ${p.name} has no source and destination addresses`);
      rules.push(...built);
    }
  }
  const chain: Chain = { name: 'forward', rules, policy: 'drop', policyLoc: null };
  return { name, file, format: 'fortios', families: [4, 6], chains: new Map([['forward', chain]]), entry: ['forward'] };
}

export function parseFortios(text: string, file: string, opts: { lenient: boolean }): ParseResult {
  const report = new ApplianceReporter(opts.lenient);
  const root = parseTree(text, file, report);
  // A file whose blocks do not nest cannot be read by position: nothing is built from it.
  if (report.problems.length > 0) return { devices: [], problems: report.problems };
  let hostname: string | null = null;
  const globals = [...root.configs, ...blocks(root.configs, 'global').flatMap((g) => g.configs)];
  for (const g of blocks(globals, 'system global')) hostname = value(g, 'hostname') ?? hostname;
  const vdoms = new Map<string, FConfig[]>();
  for (const b of blocks(root.configs, 'vdom')) {
    for (const e of b.edits) {
      if (e.configs.length === 0) continue; // the list of VDOMs at the top declares them only
      vdoms.set(e.name, [...(vdoms.get(e.name) ?? []), ...e.configs]);
    }
  }
  const devices: Device[] = [];
  if (vdoms.size === 0) devices.push(buildVdom(hostname ?? file, root.configs, file, report));
  else for (const [name, configs] of vdoms) devices.push(buildVdom(hostname ? `${hostname}/${name}` : name, configs, file, report));
  return { devices, problems: report.problems };
}

/** A FortiOS configuration: its version header, or firewall tables in config/edit syntax. */
export function detect(text: string): boolean {
  const head = text.slice(0, 4096);
  if (/^#config-version=F[GW]/m.test(head)) return true;
  return /^\s*config (firewall|system|router|vdom|global)\b/m.test(text) && /^\s*(edit\s|end\s*$)/m.test(text);
}

/**
 * Cisco ASA (`show running-config`) → device model.
 *
 * How an ASA decides a new connection (Cisco ASA Series Firewall CLI Configuration Guide,
 * "Access Rules": access rule order, implicit deny, security levels; "Interfaces": security
 * levels and same-security-traffic):
 *   - a connection entering interface I meets I's inbound ACL (`access-group ACL in interface I`),
 *     then the global ACL (`access-group ACL global`), then the implicit deny: the first ACE that
 *     matches decides;
 *   - with neither an inbound nor a global ACL, the security levels decide: from a higher level to
 *     a lower one is allowed, from lower to higher is denied, between equal levels only with
 *     `same-security-traffic permit inter-interface` (and back out the same interface only with
 *     `… intra-interface`);
 *   - a connection allowed in then meets the outbound ACL of the interface it leaves by
 *     (`access-group ACL out interface E`), whose end is an implicit deny too.
 * The model: one entry chain `forward` (default drop: an interface without nameif passes
 * nothing), a chain `global` (the global ACL and the implicit deny), and a chain `out` (outbound
 * ACLs). A permit goes to `out` when the flow leaves by an interface with an outbound ACL, and
 * accepts otherwise. Interfaces are named by their nameif, as ACLs and access-groups name them.
 *
 * Refused (docs/audit-vendors.md): fqdn objects, `interface` as an address, ICMP types, source
 * ports, time-ranges, NAT that translates destinations (static NAT, twice NAT), user/security
 * group matches.
 */
import type { ServiceRange } from '../model/types.js';
import { anySet, anySet4, anySet6, parseV4, parseV4AddrMask, parseV6Prefix, unionSets } from './addresses.js';
import { ApplianceReporter, loc, splitLines, type Token, tokenize } from './appliance-text.js';
import { parseDecimal } from './decimal.js';
import { named, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, portRange, protoRange } from './services.js';
import type { AddressSet, Condition, Device, DeviceLocation, DeviceRule, ParseResult } from './types.js';

const ALL_KEYS: ServiceRange = { lo: 0, hi: 256 * 65536 - 1 };

/** Port names the ASA prints in place of numbers (Cisco ASA CLI reference, "Port names"). */
const PORTS: Record<string, number> = {
  echo: 7,
  discard: 9,
  daytime: 13,
  chargen: 19,
  'ftp-data': 20,
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  time: 37,
  nameserver: 42,
  whois: 43,
  tacacs: 49,
  domain: 53,
  bootps: 67,
  bootpc: 68,
  tftp: 69,
  gopher: 70,
  finger: 79,
  www: 80,
  http: 80,
  hostname: 101,
  pop2: 109,
  pop3: 110,
  sunrpc: 111,
  ident: 113,
  nntp: 119,
  ntp: 123,
  'netbios-ns': 137,
  'netbios-dgm': 138,
  'netbios-ssn': 139,
  imap4: 143,
  snmp: 161,
  snmptrap: 162,
  xdmcp: 177,
  bgp: 179,
  irc: 194,
  ldap: 389,
  https: 443,
  isakmp: 500,
  exec: 512,
  biff: 512,
  login: 513,
  who: 513,
  rsh: 514,
  cmd: 514,
  syslog: 514,
  lpd: 515,
  talk: 517,
  rip: 520,
  uucp: 540,
  klogin: 543,
  kshell: 544,
  rtsp: 554,
  ldaps: 636,
  kerberos: 750,
  lotusnotes: 1352,
  'citrix-ica': 1494,
  sqlnet: 1521,
  radius: 1645,
  'radius-acct': 1646,
  h323: 1720,
  pptp: 1723,
  nfs: 2049,
  ctiqbe: 2748,
  cifs: 3020,
  sip: 5060,
  aol: 5190,
  'pcanywhere-data': 5631,
};
const PROTOS: Record<string, number> = {
  icmp: PROTO_ICMP,
  igmp: 2,
  ipinip: 4,
  tcp: PROTO_TCP,
  udp: PROTO_UDP,
  gre: 47,
  esp: 50,
  ah: 51,
  icmp6: PROTO_ICMPV6,
  eigrp: 88,
  ospf: 89,
  pim: 103,
  sctp: 132,
};

/** A protocol name or number 0–255 (zero padding read, as it always was). */
function protocolNumber(w: string): number | null {
  return named(PROTOS, w) ?? parseDecimal(w, 255, 'padded');
}

interface Line {
  toks: Token[];
  line: number;
  raw: string;
  indented: boolean;
}

interface Block {
  head: Line;
  body: Line[];
}

type Ports = { lo: number; hi: number }[];

class Asa {
  readonly report: ApplianceReporter;
  readonly netObjs = new Map<string, Block>();
  readonly netGroups = new Map<string, Block>();
  readonly svcObjs = new Map<string, Block>();
  readonly svcGroups = new Map<string, Block>();
  readonly protoGroups = new Map<string, Block>();
  readonly interfaces: { name: string; level: number; line: Line }[] = [];
  readonly acls = new Map<string, Line[]>();
  readonly groups: { acl: string; dir: 'in' | 'out' | 'global'; iface: string | null; line: Line }[] = [];
  sameInter = false;
  sameIntra = false;
  hostname: string | null = null;
  private readonly addrMemo = new Map<string, AddressSet | null>();

  constructor(
    readonly file: string,
    lenient: boolean,
  ) {
    this.report = new ApplianceReporter(lenient);
  }

  at(l: Line, t?: Token): DeviceLocation {
    return loc(this.file, l.line, t ? t.col : (l.toks[0]?.col ?? 1));
  }

  read(text: string): void {
    const lines: Line[] = [];
    splitLines(text).forEach((raw, i) => {
      if (raw.trim() === '' || raw.trimStart().startsWith('!') || raw.startsWith(':')) return;
      const toks = tokenize(raw);
      if (toks === null || toks.length === 0) return;
      lines.push({ toks, line: i + 1, raw: raw.trim(), indented: /^\s/.test(raw) });
    });
    const blocks: Block[] = [];
    for (const l of lines) {
      if (l.indented && blocks.length > 0) blocks[blocks.length - 1]!.body.push(l);
      else blocks.push({ head: l, body: [] });
    }
    for (const b of blocks) this.top(b);
  }

  private top(b: Block): void {
    const w = b.head.toks.map((t) => t.text);
    const name = w[2];
    if (w[0] === 'hostname' && w[1]) this.hostname = w[1];
    else if (w[0] === 'interface') {
      let nameif: string | null = null;
      let level = 0;
      let levelSet = false;
      for (const l of b.body) {
        const x = l.toks.map((t) => t.text);
        if (x[0] === 'nameif' && x[1]) nameif = x[1];
        if (x[0] === 'security-level' && x[1]) {
          level = Number(x[1]);
          levelSet = true;
        }
      }
      // Without security-level the ASA uses 100 for "inside" and 0 for every other name.
      if (nameif) this.interfaces.push({ name: nameif, level: levelSet ? level : nameif === 'inside' ? 100 : 0, line: b.head });
    } else if (w[0] === 'object' && name) {
      if (w[1] === 'network') this.netObjs.set(name, b);
      else if (w[1] === 'service') this.svcObjs.set(name, b);
      for (const l of b.body) if (l.toks[0]?.text === 'nat') this.nat(l);
    } else if (w[0] === 'object-group' && name) {
      if (w[1] === 'network') this.netGroups.set(name, b);
      else if (w[1] === 'service') this.svcGroups.set(name, b);
      else if (w[1] === 'protocol') this.protoGroups.set(name, b);
    } else if (w[0] === 'access-list' && w[1]) {
      if (w[2] === 'remark') {
        this.acls.set(w[1], this.acls.get(w[1]) ?? []); // an ACL of remarks only exists (and denies)
        return;
      }
      this.acls.set(w[1], [...(this.acls.get(w[1]) ?? []), b.head]);
    } else if (w[0] === 'access-group' && w[1]) {
      if (w.includes('control-plane')) return; // traffic to the ASA itself, not forwarded
      if (w[2] === 'global') this.groups.push({ acl: w[1], dir: 'global', iface: null, line: b.head });
      else if ((w[2] === 'in' || w[2] === 'out') && w[3] === 'interface' && w[4]) this.groups.push({ acl: w[1], dir: w[2], iface: w[4], line: b.head });
      else this.report.fatal('DEVICE-SYNTAX', this.at(b.head), 'access-group NAME in|out interface IF, or access-group NAME global');
    } else if (w[0] === 'same-security-traffic' && w[1] === 'permit') {
      if (w[2] === 'inter-interface') this.sameInter = true;
      if (w[2] === 'intra-interface') this.sameIntra = true;
    } else if (w[0] === 'nat') this.nat(b.head);
  }

  private nat(l: Line): void {
    // Dynamic NAT/PAT rewrites sources of outbound connections only; static and twice NAT make
    // the ASA accept connections to addresses other than the real ones the ACLs name.
    if (l.toks.some((t) => t.text === 'static')) this.report.fail('DEVICE-REWRITE', this.at(l), `"${l.raw}": static NAT translates destinations; sanso does not model it`);
  }

  // ——— addresses ———

  private netObject(name: string, ref: Line, tok: Token, stack: string[]): AddressSet | null {
    const key = `o:${name}`;
    if (this.addrMemo.has(key)) return this.addrMemo.get(key)!;
    const b = this.netObjs.get(name);
    let out: AddressSet | null = null;
    if (!b) this.report.fail('DEVICE-REFERENCE', this.at(ref, tok), `no object network ${name}`);
    else {
      const parts: AddressSet[] = [];
      let ok = true;
      for (const l of b.body) {
        const x = l.toks.map((t) => t.text);
        if (x[0] === 'host' && x[1]) {
          const a = this.host(x[1]);
          if (a) parts.push(a);
          else ok = this.syntax(l, l.toks[1]!, `"${x[1]}" is not an address`);
        } else if (x[0] === 'subnet' && x[1]) {
          const s = x[2] ? parseV4AddrMask(x[1], x[2]) : null;
          const v6 = x[2] ? null : parseV6Prefix(x[1]);
          if (s) parts.push({ v4: [s], v6: [] });
          else if (v6) parts.push({ v4: [], v6: [v6] });
          else ok = this.syntax(l, l.toks[1]!, `"${x.slice(1).join(' ')}" is not a subnet`);
        } else if (x[0] === 'range' && x[1] && x[2]) {
          const lo = parseV4(x[1]);
          const hi = parseV4(x[2]);
          const lo6 = lo === null ? parseV6Prefix(x[1]) : null;
          const hi6 = hi === null ? parseV6Prefix(x[2]) : null;
          if (lo !== null && hi !== null && lo <= hi) parts.push({ v4: [{ lo, hi }], v6: [] });
          else if (lo6 && hi6 && lo6.lo <= hi6.lo) parts.push({ v4: [], v6: [{ lo: lo6.lo, hi: hi6.lo }] });
          else ok = this.syntax(l, l.toks[1]!, `"${x.slice(1).join(' ')}" is not a range`);
        } else if (x[0] === 'fqdn') {
          this.report.fail('DEVICE-UNSUPPORTED', this.at(l), `object network ${name}: fqdn objects resolve at run time; their addresses are not in the configuration`);
          ok = false;
        }
      }
      out = ok ? unionSets(parts) : null;
    }
    void stack;
    this.addrMemo.set(key, out);
    return out;
  }

  private host(text: string): AddressSet | null {
    const a = parseV4(text);
    if (a !== null) return { v4: [{ lo: a, hi: a }], v6: [] };
    const b = parseV6Prefix(text);
    return b && !text.includes('/') ? { v4: [], v6: [b] } : null;
  }

  private syntax(l: Line, t: Token, msg: string): false {
    this.report.fail('DEVICE-SYNTAX', this.at(l, t), msg);
    return false;
  }

  private netGroup(name: string, ref: Line, tok: Token, stack: string[]): AddressSet | null {
    const key = `g:${name}`;
    if (this.addrMemo.has(key)) return this.addrMemo.get(key)!;
    const b = this.netGroups.get(name);
    if (!b) {
      this.report.fail('DEVICE-REFERENCE', this.at(ref, tok), `no object-group network ${name}`);
      return null;
    }
    if (stack.includes(name)) {
      this.report.fatal('DEVICE-GROUP-CYCLE', this.at(b.head), `object-groups contain each other: ${[...stack, name].join(' → ')}`);
      return null;
    }
    const parts: AddressSet[] = [];
    let ok = true;
    for (const l of b.body) {
      const x = l.toks.map((t) => t.text);
      let s: AddressSet | null = null;
      if (x[0] === 'network-object') {
        if (x[1] === 'host' && x[2]) s = this.host(x[2]) ?? (this.syntax(l, l.toks[2]!, `"${x[2]}" is not an address`), null);
        else if (x[1] === 'object' && x[2]) s = this.netObject(x[2], l, l.toks[2]!, [...stack, name]);
        else if (x[1] && x[2]) {
          const r = parseV4AddrMask(x[1], x[2]);
          s = r ? { v4: [r], v6: [] } : (this.syntax(l, l.toks[1]!, `"${x[1]} ${x[2]}" is not an address and mask`), null);
        } else if (x[1]) {
          const r = parseV6Prefix(x[1]);
          s = r ? { v4: [], v6: [r] } : (this.syntax(l, l.toks[1]!, `"${x[1]}" is not a prefix`), null);
        }
      } else if (x[0] === 'group-object' && x[1]) s = this.netGroup(x[1], l, l.toks[1]!, [...stack, name]);
      else if (x[0] === 'description') continue;
      else {
        this.report.fail('DEVICE-UNSUPPORTED', this.at(l), `"${l.raw}" in object-group network ${name} is not supported`);
      }
      if (s === null) ok = false;
      else parts.push(s);
    }
    const out = ok ? unionSets(parts) : null;
    this.addrMemo.set(key, out);
    return out;
  }

  /** An address at toks[i]; returns the set and the index after it. */
  address(l: Line, i: number): { set: AddressSet | null; next: number } | null {
    const t = l.toks[i];
    if (!t) return null;
    switch (t.text) {
      case 'any':
        return { set: anySet(), next: i + 1 };
      case 'any4':
        return { set: anySet4(), next: i + 1 };
      case 'any6':
        return { set: anySet6(), next: i + 1 };
      case 'host': {
        const a = l.toks[i + 1];
        if (!a) return null;
        const s = this.host(a.text);
        if (!s) this.syntax(l, a, `"${a.text}" is not an address`);
        return { set: s, next: i + 2 };
      }
      case 'object':
      case 'object-group': {
        const n = l.toks[i + 1];
        if (!n) return null;
        return { set: t.text === 'object' ? this.netObject(n.text, l, n, []) : this.netGroup(n.text, l, n, []), next: i + 2 };
      }
      case 'interface':
        this.report.fail('DEVICE-UNSUPPORTED', this.at(l, t), '"interface IF" as an address (the ASA\u2019s own address) is not supported');
        return { set: null, next: i + 2 };
      case 'object-group-user':
      case 'user':
      case 'user-group':
      case 'security-group':
        this.report.fail('DEVICE-UNSUPPORTED', this.at(l, t), `"${t.text}" matches users or security groups, not addresses`);
        return null;
      default: {
        const m = l.toks[i + 1];
        const r4 = m ? parseV4AddrMask(t.text, m.text) : null;
        if (r4) return { set: { v4: [r4], v6: [] }, next: i + 2 };
        const r6 = parseV6Prefix(t.text);
        if (r6 && t.text.includes('/')) return { set: { v4: [], v6: [r6] }, next: i + 1 };
        this.syntax(l, t, `"${t.text}" is not an address (any, any4, any6, host A, A MASK, A/LEN, object, object-group)`);
        return null;
      }
    }
  }

  /** eq/lt/gt/neq/range or object-group (port group) at toks[i]; null when there is none. */
  ports(l: Line, i: number): { ports: Ports | null; next: number } | 'bad' {
    const t = l.toks[i];
    if (!t) return { ports: null, next: i };
    const port = (k: number): number | null => {
      const x = l.toks[k];
      if (!x) return null;
      return named(PORTS, x.text) ?? parseDecimal(x.text, 65535, 'padded');
    };
    const bad = (k: number): 'bad' => {
      this.syntax(l, l.toks[k] ?? t, `"${l.toks[k]?.text ?? ''}" is not a port or a port name sanso knows`);
      return 'bad';
    };
    switch (t.text) {
      case 'eq': {
        const p = port(i + 1);
        return p === null ? bad(i + 1) : { ports: [{ lo: p, hi: p }], next: i + 2 };
      }
      case 'lt': {
        const p = port(i + 1);
        return p === null || p === 0 ? bad(i + 1) : { ports: [{ lo: 0, hi: p - 1 }], next: i + 2 };
      }
      case 'gt': {
        const p = port(i + 1);
        return p === null || p === 65535 ? bad(i + 1) : { ports: [{ lo: p + 1, hi: 65535 }], next: i + 2 };
      }
      case 'neq': {
        const p = port(i + 1);
        if (p === null) return bad(i + 1);
        const out: Ports = [];
        if (p > 0) out.push({ lo: 0, hi: p - 1 });
        if (p < 65535) out.push({ lo: p + 1, hi: 65535 });
        return { ports: out, next: i + 2 };
      }
      case 'range': {
        const a = port(i + 1);
        const b = port(i + 2);
        if (a === null) return bad(i + 1);
        if (b === null || b < a) return bad(i + 2);
        return { ports: [{ lo: a, hi: b }], next: i + 3 };
      }
      case 'object-group': {
        const n = l.toks[i + 1];
        const g = n ? this.svcGroups.get(n.text) : undefined;
        if (!n || !g?.body.every((x) => x.toks[0]?.text === 'port-object' || x.toks[0]?.text === 'description')) return { ports: null, next: i };
        const out: Ports = [];
        for (const x of g.body) {
          if (x.toks[0]?.text !== 'port-object') continue;
          const r = this.ports(x, 1);
          if (r === 'bad') return 'bad';
          out.push(...(r.ports ?? []));
        }
        return { ports: out, next: i + 2 };
      }
      default:
        return { ports: null, next: i };
    }
  }

  /** Protocol words and service objects to key ranges, with destination ports applied. */
  protoRanges(proto: number | 'ip', dports: Ports | null): ServiceRange[] {
    if (proto === 'ip') return [ALL_KEYS];
    if (dports === null || (proto !== PROTO_TCP && proto !== PROTO_UDP)) return [protoRange(proto)];
    return dports.map((p) => portRange(proto, p.lo, p.hi));
  }

  /** `service-object …` / `object service` body line: PROTO [source OP P] [destination OP P]. */
  serviceLine(l: Line, start: number, what: string): ServiceRange[] | null {
    const p = l.toks[start];
    if (!p) return null;
    const protos = p.text === 'tcp-udp' ? [PROTO_TCP, PROTO_UDP] : p.text === 'ip' ? (['ip'] as const) : protocolNumber(p.text) !== null ? [protocolNumber(p.text)!] : null;
    if (!protos) {
      this.report.fail('DEVICE-UNSUPPORTED', this.at(l, p), `${what}: protocol "${p.text}" is not supported`);
      return null;
    }
    let i = start + 1;
    let dports: Ports | null = null;
    while (i < l.toks.length) {
      const t = l.toks[i]!;
      if (t.text === 'source' || t.text === 'destination') {
        const r = this.ports(l, i + 1);
        if (r === 'bad') return null;
        if (t.text === 'source' && r.ports) {
          this.report.fail('DEVICE-SOURCE-PORT', this.at(l, t), `${what}: a source port cannot be audited`);
          if (!this.report.lenient) return null;
        } else dports = r.ports;
        i = r.next;
        continue;
      }
      if ((protos[0] === PROTO_ICMP || protos[0] === PROTO_ICMPV6) && i === start + 1) {
        this.report.fail('DEVICE-UNSUPPORTED', this.at(l, t), `${what}: ICMP type "${t.text}": the policy model has no ICMP types`);
        return null;
      }
      // A bare OP after the protocol is the destination (object-group service … tcp port-object style)
      const r = this.ports(l, i);
      if (r === 'bad') return null;
      if (r.ports) {
        dports = r.ports;
        i = r.next;
        continue;
      }
      this.report.fail('DEVICE-UNSUPPORTED', this.at(l, t), `${what}: "${t.text}" is not supported`);
      return null;
    }
    return protos.flatMap((x) => this.protoRanges(x, dports));
  }

  serviceObject(name: string, l: Line, tok: Token, stack: string[]): ServiceRange[] | null {
    const b = this.svcObjs.get(name);
    if (!b) {
      this.report.fail('DEVICE-REFERENCE', this.at(l, tok), `no object service ${name}`);
      return null;
    }
    const s = b.body.find((x) => x.toks[0]?.text === 'service');
    if (!s) return [];
    void stack;
    return this.serviceLine(s, 1, `object service ${name}`);
  }

  serviceGroup(name: string, l: Line, tok: Token, stack: string[]): ServiceRange[] | null {
    const b = this.svcGroups.get(name) ?? this.protoGroups.get(name);
    if (!b) {
      this.report.fail('DEVICE-REFERENCE', this.at(l, tok), `no object-group service or protocol ${name}`);
      return null;
    }
    if (stack.includes(name)) {
      this.report.fatal('DEVICE-GROUP-CYCLE', this.at(b.head), `object-groups contain each other: ${[...stack, name].join(' → ')}`);
      return null;
    }
    const typed = b.head.toks[3]?.text; // object-group service NAME tcp|udp|tcp-udp
    const out: ServiceRange[] = [];
    for (const x of b.body) {
      const w = x.toks.map((t) => t.text);
      let r: ServiceRange[] | null = [];
      if (w[0] === 'description') continue;
      if (w[0] === 'service-object') r = w[1] === 'object' && w[2] ? this.serviceObject(w[2], x, x.toks[2]!, [...stack, name]) : this.serviceLine(x, 1, `object-group ${name}`);
      else if (w[0] === 'protocol-object') r = this.serviceLine(x, 1, `object-group ${name}`);
      else if (w[0] === 'group-object' && w[1]) r = this.serviceGroup(w[1], x, x.toks[1]!, [...stack, name]);
      else if (w[0] === 'port-object' && typed) {
        const p = this.ports(x, 1);
        if (p === 'bad') r = null;
        else {
          const protos = typed === 'tcp-udp' ? [PROTO_TCP, PROTO_UDP] : typed === 'tcp' ? [PROTO_TCP] : [PROTO_UDP];
          r = protos.flatMap((q) => this.protoRanges(q, p.ports));
        }
      } else {
        this.report.fail('DEVICE-UNSUPPORTED', this.at(x), `"${x.raw}" in object-group ${name} is not supported`);
        r = null;
      }
      if (r === null) return null;
      out.push(...r);
    }
    return out;
  }

  private readonly aceMemo = new Map<Line, { conditions: Condition[]; permit: boolean } | 'skip' | null>();

  /** One ACE, read once even when its ACL is bound to several interfaces. */
  ace(l: Line): { conditions: Condition[]; permit: boolean } | 'skip' | null {
    if (!this.aceMemo.has(l)) this.aceMemo.set(l, this.readAce(l));
    return this.aceMemo.get(l)!;
  }

  /** One ACE → its conditions and action; null when it cannot be read (reported). */
  private readAce(l: Line): { conditions: Condition[]; permit: boolean } | 'skip' | null {
    const t = l.toks;
    let i = 2;
    if (t[i]?.text === 'line') i += 2;
    const type = t[i]?.text;
    if (type !== 'extended') {
      if (type === 'ethertype' || type === 'webtype' || type === 'standard') {
        this.report.fail('DEVICE-UNSUPPORTED', this.at(l, t[i]!), `access-list ${type} is not supported as an access rule`);
        return null;
      }
      this.report.fatal('DEVICE-SYNTAX', this.at(l, t[i] ?? t[0]!), 'access-list NAME extended permit|deny …');
      return null;
    }
    i++;
    const act = t[i]?.text;
    if (act !== 'permit' && act !== 'deny') {
      this.report.fatal('DEVICE-SYNTAX', this.at(l, t[i] ?? t[0]!), 'permit or deny expected');
      return null;
    }
    i++;
    if (t.some((x) => x.text === 'inactive')) return 'skip';
    // protocol
    const pt = t[i];
    if (!pt) return null;
    let svc: ServiceRange[] | 'ports' | null;
    let proto: number | 'ip' | null = null;
    let protoList: (number | 'ip')[] | null = null;
    if (pt.text === 'object' || pt.text === 'object-group') {
      const n = t[i + 1];
      if (!n) return null;
      const isPortGroup = pt.text === 'object-group' && this.svcGroups.get(n.text)?.head.toks[3] !== undefined;
      if (isPortGroup) {
        this.report.fail('DEVICE-UNSUPPORTED', this.at(l, n), `object-group ${n.text} is a port group used as a protocol`);
        return null;
      }
      const pg = pt.text === 'object-group' ? this.protoGroups.get(n.text) : undefined;
      if (pg) {
        // A protocol group stands where a protocol does: ports after the addresses apply to it.
        protoList = [];
        for (const x of pg.body) {
          const w = x.toks[1]?.text;
          if (x.toks[0]?.text !== 'protocol-object' || w === undefined) continue;
          const q = w === 'ip' ? 'ip' : protocolNumber(w);
          if (q === null) {
            this.report.fail('DEVICE-UNSUPPORTED', this.at(x, x.toks[1]!), `protocol "${w}" is not supported`);
            return null;
          }
          protoList.push(q);
        }
        svc = 'ports';
      } else svc = pt.text === 'object' ? this.serviceObject(n.text, l, n, []) : this.serviceGroup(n.text, l, n, []);
      i += 2;
    } else {
      proto = pt.text === 'ip' ? 'ip' : protocolNumber(pt.text);
      if (proto === null) {
        this.report.fail('DEVICE-UNSUPPORTED', this.at(l, pt), `protocol "${pt.text}" is not supported`);
        return null;
      }
      svc = 'ports';
      i++;
    }
    const src = this.address(l, i);
    if (!src) return null;
    i = src.next;
    const sp = this.ports(l, i);
    if (sp === 'bad') return null;
    if (sp.ports) {
      this.report.fail('DEVICE-SOURCE-PORT', this.at(l, t[i]!), 'a source port cannot be audited');
      if (!this.report.lenient) return null;
    }
    i = sp.next;
    const dst = this.address(l, i);
    if (!dst) return null;
    i = dst.next;
    const dp = this.ports(l, i);
    if (dp === 'bad') return null;
    i = dp.next;
    // ICMP type after an icmp ACE
    if ((proto === PROTO_ICMP || proto === PROTO_ICMPV6) && t[i] && !['log', 'time-range', 'inactive'].includes(t[i]!.text)) {
      this.report.fail('DEVICE-UNSUPPORTED', this.at(l, t[i]!), `ICMP type "${t[i]!.text}": the policy model has no ICMP types`);
      return null;
    }
    for (let k = i; k < t.length; k++) {
      const x = t[k]!.text;
      if (x === 'time-range') {
        this.report.fail('DEVICE-UNSUPPORTED', this.at(l, t[k]!), 'a time-range makes the rule hold only at some times');
        return null;
      }
      if (x === 'log') break; // log [level] [interval n] | disable: no effect on the decision
      if (x !== 'inactive') {
        this.report.fail('DEVICE-UNSUPPORTED', this.at(l, t[k]!), `"${x}" is not supported here`);
        return null;
      }
    }
    if (svc === 'ports') svc = (protoList ?? [proto!]).flatMap((q) => this.protoRanges(q, dp.ports));
    else if (dp.ports) {
      this.report.fatal('DEVICE-SYNTAX', this.at(l, t[i - 2] ?? t[0]!), 'destination ports after a service object');
      return null;
    }
    if (svc === null || src.set === null || dst.set === null) return null;
    return {
      permit: act === 'permit',
      conditions: [
        { kind: 'src', set: src.set, negate: false },
        { kind: 'dst', set: dst.set, negate: false },
        { kind: 'service', ranges: svc, negate: false },
      ],
    };
  }

  build(): Device {
    const named = new Set(this.interfaces.map((x) => x.name));
    const inAcl = new Map<string, { acl: string; line: Line }>();
    const outAcl = new Map<string, { acl: string; line: Line }>();
    let global: { acl: string; line: Line } | null = null;
    for (const g of this.groups) {
      if (!this.acls.has(g.acl)) {
        this.report.fail('DEVICE-REFERENCE', this.at(g.line, g.line.toks[1]!), `no access-list ${g.acl}`);
        continue;
      }
      if (g.iface !== null && !named.has(g.iface)) this.report.fail('DEVICE-REFERENCE', this.at(g.line, g.line.toks[4]!), `no interface with nameif ${g.iface}`);
      if (g.dir === 'global') global = { acl: g.acl, line: g.line };
      else (g.dir === 'in' ? inAcl : outAcl).set(g.iface!, { acl: g.acl, line: g.line });
    }
    const outNames = [...outAcl.keys()];
    const rulesOf = (acl: string, extra: Condition[], onPermit: 'accept-or-out' | 'accept'): DeviceRule[] => {
      const out: DeviceRule[] = [];
      let n = 0;
      for (const l of this.acls.get(acl) ?? []) {
        n++;
        const a = this.ace(l);
        if (a === 'skip' || a === null) continue;
        const base = { loc: this.at(l), text: l.raw, id: `${acl}:${n}` };
        if (!a.permit) out.push({ ...base, conditions: [...extra, ...a.conditions], target: { kind: 'drop' } });
        else {
          if (onPermit === 'accept-or-out' && outNames.length > 0)
            out.push({ ...base, conditions: [...extra, { kind: 'out', names: outNames, negate: false }, ...a.conditions], target: { kind: 'goto', chain: 'out' } });
          out.push({ ...base, conditions: [...extra, ...a.conditions], target: { kind: 'accept' } });
        }
      }
      return out;
    };
    const forward: DeviceRule[] = [];
    for (const [iface, a] of inAcl) {
      const inC: Condition = { kind: 'in', names: [iface], negate: false };
      forward.push(...rulesOf(a.acl, [inC], 'accept-or-out'));
      if (global) forward.push({ conditions: [inC], target: { kind: 'goto', chain: 'global' }, loc: this.at(global.line), text: global.line.raw, id: 'global' });
      else forward.push({ conditions: [inC], target: { kind: 'drop' }, loc: this.at(a.line), text: `${a.line.raw}   (implicit deny)`, id: `${a.acl}:implicit-deny` });
    }
    const chains = new Map<string, { name: string; rules: DeviceRule[]; policy: 'accept' | 'drop' | null; policyLoc: DeviceLocation | null }>();
    if (global) {
      forward.push({ conditions: [], target: { kind: 'goto', chain: 'global' }, loc: this.at(global.line), text: global.line.raw, id: 'global' });
      const g = rulesOf(global.acl, [], 'accept-or-out');
      g.push({ conditions: [], target: { kind: 'drop' }, loc: this.at(global.line), text: `${global.line.raw}   (implicit deny)`, id: `${global.acl}:implicit-deny` });
      chains.set('global', { name: 'global', rules: g, policy: null, policyLoc: null });
    } else {
      // Security levels decide for interfaces without an inbound ACL.
      for (const i of this.interfaces) {
        if (inAcl.has(i.name)) continue;
        const to = this.interfaces.filter((e) => (e.name === i.name ? this.sameIntra : e.level < i.level || (e.level === i.level && this.sameInter))).map((e) => e.name);
        const inC: Condition = { kind: 'in', names: [i.name], negate: false };
        const base = { loc: this.at(i.line), text: `interface ${i.name} security-level ${i.level}`, id: `level:${i.name}` };
        if (to.length > 0) {
          const outC: Condition = { kind: 'out', names: to, negate: false };
          if (outNames.length > 0) forward.push({ ...base, conditions: [inC, outC, { kind: 'out', names: outNames, negate: false }], target: { kind: 'goto', chain: 'out' } });
          forward.push({ ...base, conditions: [inC, outC], target: { kind: 'accept' } });
        }
        forward.push({ ...base, conditions: [inC], target: { kind: 'drop' } });
      }
    }
    const out: DeviceRule[] = [];
    for (const [iface, a] of outAcl) {
      const outC: Condition = { kind: 'out', names: [iface], negate: false };
      out.push(...rulesOf(a.acl, [outC], 'accept'));
      out.push({ conditions: [outC], target: { kind: 'drop' }, loc: this.at(a.line), text: `${a.line.raw}   (implicit deny)`, id: `${a.acl}:implicit-deny` });
    }
    chains.set('forward', { name: 'forward', rules: forward, policy: 'drop', policyLoc: null });
    chains.set('out', { name: 'out', rules: out, policy: null, policyLoc: null });
    return { name: this.hostname ?? this.file, file: this.file, format: 'asa', families: [4, 6], chains, entry: ['forward'] };
  }
}

export function parseAsa(text: string, file: string, opts: { lenient: boolean }): ParseResult {
  const a = new Asa(file, opts.lenient);
  a.read(text);
  const device = a.build();
  return { devices: [device], problems: a.report.problems };
}

/** A Cisco ASA running-config: its version banner, or access-lists with access-group/nameif. */
export function detect(text: string): boolean {
  if (/^:?\s*(ASA|PIX) Version \d/m.test(text.slice(0, 4096))) return true;
  return /^(access-list \S+ (line \d+ )?extended (permit|deny) |access-group \S+ (in|out|global)\b| nameif \S+\s*$|object(-group)? network \S+\s*$)/m.test(text);
}

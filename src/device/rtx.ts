/**
 * Yamaha RTX (`show config`, or a saved config.txt) → device model.
 *
 * An RTX filters per interface and direction: `ip lan2 secure filter in 100 101 …` lists the
 * static filters (`ip filter N …`) a packet entering lan2 is checked against, in list order; the
 * first filter that matches decides pass or reject, and a packet that matches none is discarded
 * (Yamaha, コマンドリファレンス「フィルタリングによるセキュリティの設定」
 * https://www.rtpro.yamaha.co.jp/RT/manual/vrx/ip/ip_interface_secure_filter.html : 「フィルタ
 * リストを走査した結果、どのフィルタにも一致しないパケットは破棄される」). An interface without
 * a list in a direction does not filter in that direction.
 *
 * A forwarded new connection passes the `in` list of the interface it enters by and then the
 * `out` list of the interface it leaves by. The device model says exactly that with one entry
 * chain `forward` (default accept: no list, no filtering) and a chain `out`:
 *   - in `forward`, each in list becomes its filters conditioned on `in IF`, then a drop on
 *     `in IF` (the discard when nothing matched). A pass goes to `out` when the flow leaves by an
 *     interface that has an out list, and accepts otherwise;
 *   - a flow entering by an interface without an in list goes to `out` when it leaves by an
 *     interface with an out list (the last rule of `forward`);
 *   - in `out`, each out list becomes its filters conditioned on `out IF`, then a drop on it.
 * So a flow is accepted only if both lists pass it, and the rule reported for an accept is the
 * filter that passed it last. `ipv6 filter` / `ipv6 IF secure filter` become rules of the same
 * chains with a family condition.
 *
 * What the filters mean (コマンドリファレンス「IP パケットのフィルターの設定」
 * http://www.rtpro.yamaha.co.jp/RT/manual/rt-common/ip/ip_filter.html): when the protocol is `*`
 * or a list holding tcp or udp beside others, ports are compared for TCP and UDP packets only
 * and every other protocol matches as if no port had been given; `restrict` passes only while
 * the line is connected (Yamaha オンラインヘルプ「静的フィルタの定義方法」
 * http://www.rtpro.yamaha.co.jp/RTA54i/example/help/static-filter.html), which no configuration
 * says, so it is refused (DEVICE-CONDITIONAL-PASS; --lenient reads it as pass). `tcpfin`,
 * `tcprst` and `established` match no packet that opens a connection: kept as rules that no new
 * connection meets. Dynamic filters (`dynamic …` after a list) keep state for the answers of a
 * connection the static list has let through; they do not decide whether a new connection passes
 * (コマンドリファレンス「動的フィルタの定義」), so sanso reads the static list only.
 * docs/audit-vendors.md lists what is refused.
 */
import type { ServiceRange } from '../model/types.js';
import type { AddressSet, Condition, Device, DeviceLocation, DeviceRule, ParseResult, Range4, Range6 } from './types.js';
import { MAX4, MAX6, type PrefixDialect, parseSpan, parseV4, parseV4Prefix, parseV6Prefix, prefix4 } from './addresses.js';
import { ApplianceReporter, loc, splitLines, tokenize } from './appliance-text.js';
import { parseDecimal } from './decimal.js';
import { named, parsePort, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, portRange, protoRange } from './services.js';

interface LTok {
  text: string;
  line: number;
  col: number;
}

interface Stmt {
  toks: LTok[];
  line: number;
  col: number;
  raw: string;
  /** The pp or tunnel selected when the statement was read (`pp1`, `tunnel2`), or null. */
  pp: string | null;
  tunnel: string | null;
}

/** Port names as the RTX command reference lists them for ip filter. */
const PORT_NAMES: Record<string, number> = {
  echo: 7,
  discard: 9,
  daytime: 13,
  chargen: 19,
  ftpdata: 20,
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  time: 37,
  whois: 43,
  dns: 53,
  domain: 53,
  dhcps: 67,
  bootps: 67,
  dhcpc: 68,
  bootpc: 68,
  tftp: 69,
  gopher: 70,
  finger: 79,
  http: 80,
  www: 80,
  pop3: 110,
  sunrpc: 111,
  ident: 113,
  auth: 113,
  nntp: 119,
  ntp: 123,
  'ms-rpc': 135,
  netbios_ns: 137,
  netbios_dgm: 138,
  netbios_ssn: 139,
  imap: 143,
  snmp: 161,
  snmptrap: 162,
  bgp: 179,
  imap3: 220,
  ldap: 389,
  https: 443,
  'ms-ds': 445,
  ike: 500,
  rlogin: 513,
  rwho: 513,
  rsh: 514,
  syslog: 514,
  printer: 515,
  rip: 520,
  ripng: 521,
  dhcpv6c: 546,
  dhcpv6s: 547,
  submission: 587,
  'ms-sql': 1433,
  radius: 1812,
  radacct: 1813,
  l2tp: 1701,
  pptp: 1723,
  nfs: 2049,
  sip: 5060,
  'ipsec-nat-t': 4500,
};

const PROTO_NAMES: Record<string, number> = {
  tcp: PROTO_TCP,
  udp: PROTO_UDP,
  icmp: PROTO_ICMP,
  icmp6: PROTO_ICMPV6,
  'ipv6-icmp': PROTO_ICMPV6,
  gre: 47,
  esp: 50,
  ah: 51,
  ipip: 4,
  ospf: 89,
  pim: 103,
  rsvp: 46,
};

/** A protocol name or number 0–255 (zero padding read, as it always was). */
function protocolNumber(w: string): number | null {
  return named(PROTO_NAMES, w) ?? parseDecimal(w, 255, 'padded');
}
/** Protocol words that match only packets of a connection already open. */
const NOT_NEW = new Set(['tcpfin', 'tcprst', 'established']);

export const RTX_PORT_NAMES = Object.keys(PORT_NAMES);

type Action = 'pass' | 'reject' | 'restrict';

interface Filter {
  num: string;
  family: 4 | 6;
  action: Action;
  conditions: Condition[] | null;
  loc: DeviceLocation;
  raw: string;
}

interface Binding {
  family: 4 | 6;
  iface: string;
  dir: 'in' | 'out';
  list: LTok[];
  loc: DeviceLocation;
  raw: string;
}

/** Logical lines: a line ending in a backslash continues on the next (tokens keep their line). */
function statements(text: string, file: string, report: ApplianceReporter): Stmt[] {
  const out: Stmt[] = [];
  const lines = splitLines(text);
  let pp: string | null = null;
  let tunnel: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let toks: LTok[] = [];
    let raw = '';
    let bad = false;
    for (;;) {
      let line = lines[i]!;
      const hash = line.search(/(^|\s)#/);
      if (hash >= 0) line = line.slice(0, hash);
      const cont = /\\\s*$/.test(line) && !/\\\\\s*$/.test(line);
      if (cont) line = line.replace(/\\\s*$/, '');
      const t = tokenize(line, true);
      if (t === null) {
        report.fatal('DEVICE-SYNTAX', loc(file, i + 1, 1), 'unterminated quote');
        bad = true;
      } else toks = toks.concat(t.map((x) => ({ text: x.text, col: x.col, line: i + 1 })));
      raw += (raw ? ' ' : '') + line.trim();
      if (!cont || i + 1 >= lines.length) break;
      i++;
    }
    if (bad || toks.length === 0) continue;
    const w = toks.map((x) => x.text);
    if (w[0] === 'pp' && w[1] === 'select') pp = w[2] === 'none' || w[2] === undefined ? null : w[2] === 'anonymous' ? 'pp-anonymous' : `pp${w[2]}`;
    if (w[0] === 'tunnel' && w[1] === 'select') tunnel = w[2] === 'none' || w[2] === undefined ? null : `tunnel${w[2]}`;
    out.push({ toks, line: first, col: toks[0]!.col, raw: raw.trim(), pp, tunnel });
  }
  return out;
}

/** One address word: `*`, a host, `a-b`, `a/nn`, `a/mask`, `a.b.*.*`, or a comma list of these. */
function addresses(text: string, family: 4 | 6): { v4: Range4[]; v6: Range6[] } | string {
  const out: { v4: Range4[]; v6: Range6[] } = { v4: [], v6: [] };
  for (const part of text.split(',')) {
    if (part === '*') {
      if (family === 4) out.v4.push({ lo: 0, hi: MAX4 });
      else out.v6.push({ lo: 0n, hi: MAX6 });
      continue;
    }
    if (family === 4) {
      const r = range4(part);
      if (r === null) return `"${part}" is not an IPv4 address, range or network (sanso does not resolve names)`;
      out.v4.push(r);
    } else {
      const r = range6(part);
      if (r === null) return `"${part}" is not an IPv6 address, range or prefix (sanso does not resolve names)`;
      out.v6.push(r);
    }
  }
  return out;
}

/** RTX prints prefix lengths as plain numbers, but has always been read allowing zero padding. */
const RTX_PREFIX: PrefixDialect = { lengths: 'padded' };

function range4(t: string): Range4 | null {
  if (t.includes('-')) {
    const s = parseSpan(t);
    return s !== null && s !== 'upside-down' && s.family === 4 ? s.range : null;
  }
  if (t.includes('*') && !t.includes('/')) {
    // a.b.*.* : trailing octets of any value.
    const parts = t.split('.');
    if (parts.length !== 4) return null;
    const stars = parts.indexOf('*');
    if (stars < 1 || parts.slice(stars).some((p) => p !== '*')) return null;
    const a = parseV4([...parts.slice(0, stars), ...Array<string>(4 - stars).fill('0')].join('.'));
    return a === null ? null : prefix4(a, stars * 8);
  }
  return parseV4Prefix(t, RTX_PREFIX);
}

function range6(t: string): Range6 | null {
  if (t.includes('-')) {
    const s = parseSpan(t);
    return s !== null && s !== 'upside-down' && s.family === 6 ? s.range : null;
  }
  return parseV6Prefix(t, 'padded');
}

/** A port list: `*`, `n`, `a-b`, `-b`, `a-`, names, comma-separated. null: every port. */
function ports(text: string): { lo: number; hi: number }[] | null | string {
  if (text === '*') return null;
  const out: { lo: number; hi: number }[] = [];
  for (const part of text.split(',')) {
    const one = (s: string): number | null => named(PORT_NAMES, s) ?? parsePort(s);
    const dash = named(PORT_NAMES, part) !== null ? -1 : part.indexOf('-');
    if (dash < 0) {
      const p = one(part);
      if (p === null) return `"${part}" is not a port or a port name sanso knows`;
      out.push({ lo: p, hi: p });
      continue;
    }
    const lo = dash === 0 ? 1 : one(part.slice(0, dash));
    const hi = dash === part.length - 1 ? 65535 : one(part.slice(dash + 1));
    if (lo === null || hi === null || hi < lo) return `"${part}" is not a port range`;
    out.push({ lo, hi });
  }
  return out;
}

class RtxParser {
  readonly report: ApplianceReporter;
  readonly filters = new Map<string, Filter>();
  readonly dynamic = new Set<string>();
  readonly bindings: Binding[] = [];

  constructor(
    readonly file: string,
    lenient: boolean,
  ) {
    this.report = new ApplianceReporter(lenient);
  }

  at(t: { line: number; col: number }): DeviceLocation {
    return loc(this.file, t.line, t.col);
  }

  statement(s: Stmt): void {
    const w = s.toks.map((t) => t.text);
    const fam: 4 | 6 | null = w[0] === 'ip' ? 4 : w[0] === 'ipv6' ? 6 : null;
    const key = `${fam === 4 ? '' : '6'}:`;
    if (fam !== null && w[1] === 'filter') {
      if (w[2] === 'dynamic') {
        if (w[3]) this.dynamic.add(key + w[3]);
        return;
      }
      if (w[2] === 'set' || w[2] === 'directed-broadcast') {
        this.report.fail('DEVICE-UNSUPPORTED', this.at(s), `"${w.slice(0, 3).join(' ')}" is not supported`);
        return;
      }
      const f = this.filter(s, fam);
      if (f) this.filters.set(key + f.num, f);
      return;
    }
    if (fam !== null && w[1] === 'forward' && w[2] === 'filter') {
      this.report.fail('DEVICE-UNSUPPORTED', this.at(s), `${w.slice(0, 3).join(' ')} (policy-based forwarding) changes the interface a flow leaves by`);
      return;
    }
    if (fam !== null && w[1] === 'policy') {
      this.report.fail('DEVICE-UNSUPPORTED', this.at(s), `${w[0]} policy (the policy-based firewall) is not supported; sanso reads ip filter and secure filter lists`);
      return;
    }
    if (fam !== null && w[1] === 'route' && w.includes('filter')) {
      this.report.fail('DEVICE-UNSUPPORTED', this.at(s), 'an ip route with a filter (policy-based routing) changes the interface a flow leaves by');
      return;
    }
    // ip IF secure filter in|out …   (IF is lan1, vlan2, bridge1, pp, tunnel …)
    if (fam !== null && w[2] === 'secure' && w[3] === 'filter') {
      this.binding(s, fam, w);
      return;
    }
    if (w[0] === 'nat' && w[1] === 'descriptor') {
      const rewrites = (w[2] === 'type' && (w[4] === 'nat' || w[4] === 'nat-masquerade')) || (w[2] === 'masquerade' && w[3] === 'static') || w[2] === 'static';
      if (rewrites)
        this.report.fail('DEVICE-REWRITE', this.at(s), `"${s.raw}" translates destinations of incoming connections; the filters then see other flows than the ones sent`);
      return;
    }
    if ((w[0] === 'ethernet' && w.includes('filter')) || (w[0] === 'url' && w.includes('filter'))) {
      this.report.fail('DEVICE-UNSUPPORTED', this.at(s), `"${w.slice(0, 3).join(' ')}" filters on something other than addresses and ports`);
    }
  }

  private filter(s: Stmt, family: 4 | 6): Filter | null {
    const t = s.toks;
    const num = t[2];
    const act = t[3];
    if (!num || !/^\d+$/.test(num.text) || !act) {
      this.report.fatal('DEVICE-SYNTAX', this.at(s), `${t[0]!.text} filter takes a number and pass|reject|restrict`);
      return null;
    }
    const a = /^(pass|reject|restrict)(-log|-nolog)?$/.exec(act.text);
    if (!a) {
      this.report.fatal('DEVICE-SYNTAX', this.at(act), `"${act.text}" is not pass, reject or restrict (with -log or -nolog)`);
      return null;
    }
    const fl = this.at(s);
    const field = (i: number): LTok => t[i] ?? { text: '*', line: s.line, col: s.col };
    if (t.length > 9) this.report.fail('DEVICE-UNSUPPORTED', this.at(t[9]!), `"${t[9]!.text}": options after the destination port are not supported`);
    const conditions: Condition[] = [{ kind: 'family', family, negate: false }];
    let ok = true;
    for (const [i, kind] of [
      [4, 'src'],
      [5, 'dst'],
    ] as const) {
      const tok = field(i);
      if (tok.text === '*') continue;
      const set = addresses(tok.text, family);
      if (typeof set === 'string') {
        this.report.fail('DEVICE-SYNTAX', this.at(tok), set);
        ok = false;
      } else conditions.push({ kind, set: set as AddressSet, negate: false });
    }
    const svc = this.services(field(6), field(7), field(8));
    if (svc === null) ok = false;
    else if (svc === 'never') conditions.push({ kind: 'never', why: `${field(6).text} matches no packet that opens a connection` });
    else if (svc !== 'any') conditions.push({ kind: 'service', ranges: svc, negate: false });
    if (a[1] === 'restrict') {
      this.report.fail('DEVICE-CONDITIONAL-PASS', this.at(act), `filter ${num.text}: ${act.text} passes only while the line is connected`);
    }
    return { num: num.text, family, action: a[1] as Action, conditions: ok ? conditions : null, loc: fl, raw: s.raw };
  }

  /** The service keys of PROTO SPORT DPORT; 'any' for no restriction, 'never' for no new connection. */
  private services(proto: LTok, sport: LTok, dport: LTok): ServiceRange[] | 'any' | 'never' | null {
    const words = proto.text === '*' ? ['*'] : proto.text.split(',');
    const protos: number[] = [];
    let every = false;
    let sawNotNew = false;
    for (const w of words) {
      if (w === '*') every = true;
      else if (w === 'tcpsyn') protos.push(PROTO_TCP);
      else if (NOT_NEW.has(w)) sawNotNew = true;
      else if (protocolNumber(w) !== null) protos.push(protocolNumber(w)!);
      else {
        this.report.fail(
          'DEVICE-UNSUPPORTED',
          this.at(proto),
          `protocol "${w}" is not supported (names: ${Object.keys(PROTO_NAMES).join(', ')}, tcpsyn, tcpfin, tcprst, established, numbers, *)`,
        );
        return null;
      }
    }
    const icmpOnly = !every && protos.length > 0 && protos.every((p) => p === PROTO_ICMP || p === PROTO_ICMPV6) && words.length === 1;
    if (icmpOnly) {
      // With icmp alone, the port fields are the ICMP type and code.
      for (const tok of [sport, dport]) {
        if (tok.text !== '*') {
          this.report.fail('DEVICE-UNSUPPORTED', this.at(tok), `ICMP type or code "${tok.text}": the policy model has no ICMP types`);
          return null;
        }
      }
    }
    const sp = ports(sport.text);
    const dp = ports(dport.text);
    if (typeof sp === 'string' || typeof dp === 'string') {
      this.report.fail('DEVICE-SYNTAX', this.at(typeof sp === 'string' ? sport : dport), (typeof sp === 'string' ? sp : dp) as string);
      return null;
    }
    if (sp !== null && !(sp.length === 1 && sp[0]!.lo <= 1 && sp[0]!.hi === 65535)) {
      this.report.fail('DEVICE-SOURCE-PORT', this.at(sport), `source port "${sport.text}" cannot be audited`);
      if (!this.report.lenient) return null;
    }
    if (every && dp === null) return 'any';
    if (!every && protos.length === 0) return sawNotNew ? 'never' : 'any';
    const out: ServiceRange[] = [];
    const withPorts = (p: number): void => {
      if (dp === null || (p !== PROTO_TCP && p !== PROTO_UDP)) out.push(protoRange(p));
      else for (const r of dp) out.push(portRange(p, r.lo, r.hi));
    };
    if (every) {
      // `*` with ports: TCP and UDP by port, every other protocol whatever the ports say.
      out.push({ lo: 0, hi: PROTO_TCP * 65536 - 1 });
      withPorts(PROTO_TCP);
      out.push({ lo: (PROTO_TCP + 1) * 65536, hi: PROTO_UDP * 65536 - 1 });
      withPorts(PROTO_UDP);
      out.push({ lo: (PROTO_UDP + 1) * 65536, hi: 256 * 65536 - 1 });
    } else for (const p of protos) withPorts(p);
    return out;
  }

  private binding(s: Stmt, family: 4 | 6, w: string[]): void {
    let iface = w[1]!;
    if (iface === 'pp') {
      if (!s.pp) {
        this.report.fatal('DEVICE-SYNTAX', this.at(s), '"ip pp …" outside a "pp select N" block');
        return;
      }
      iface = s.pp;
    } else if (iface === 'tunnel') {
      if (!s.tunnel) {
        this.report.fatal('DEVICE-SYNTAX', this.at(s), '"ip tunnel …" outside a "tunnel select N" block');
        return;
      }
      iface = s.tunnel;
    }
    const dir = w[4];
    if (dir === 'name') {
      this.report.fail('DEVICE-UNSUPPORTED', this.at(s.toks[4]!), 'filter sets by name (secure filter name) are not supported');
      return;
    }
    if (dir !== 'in' && dir !== 'out') {
      this.report.fatal('DEVICE-SYNTAX', this.at(s.toks[4] ?? s), 'secure filter takes in or out');
      return;
    }
    const list: LTok[] = [];
    for (const t of s.toks.slice(5)) {
      if (t.text === 'dynamic') break; // dynamic filters keep state; they do not decide new connections
      list.push(t);
    }
    const dynIdx = s.toks.findIndex((t) => t.text === 'dynamic');
    if (dynIdx >= 0) {
      for (const t of s.toks.slice(dynIdx + 1)) {
        if (!this.dynamic.has(`${family === 4 ? '' : '6'}:${t.text}`)) this.pending.push({ t, family });
      }
    }
    this.bindings.push({ family, iface, dir, list, loc: this.at(s), raw: s.raw });
  }

  /** Dynamic filter numbers to check once every statement has been read. */
  readonly pending: { t: LTok; family: 4 | 6 }[] = [];

  build(name: string): Device {
    for (const p of this.pending) {
      if (!this.dynamic.has(`${p.family === 4 ? '' : '6'}:${p.t.text}`))
        this.report.fail('DEVICE-REFERENCE', this.at(p.t), `no ${p.family === 4 ? 'ip' : 'ipv6'} filter dynamic ${p.t.text}`);
    }
    // Interfaces with an out list, per family: a flow leaving by one of them goes on to `out`.
    const outIfs = { 4: new Set<string>(), 6: new Set<string>() };
    for (const b of this.bindings) if (b.dir === 'out') outIfs[b.family].add(b.iface);
    const forward: DeviceRule[] = [];
    const out: DeviceRule[] = [];
    for (const b of this.bindings) {
      const ifCond: Condition = { kind: b.dir, names: [b.iface], negate: false };
      const famCond: Condition = { kind: 'family', family: b.family, negate: false };
      const outNames = [...outIfs[b.family]];
      const toOut: Condition = { kind: 'out', names: outNames, negate: false };
      const prefix = b.family === 4 ? 'ip' : 'ipv6';
      const rules = b.dir === 'in' ? forward : out;
      for (const t of b.list) {
        const f = this.filters.get(`${b.family === 4 ? '' : '6'}:${t.text}`);
        if (!f) {
          this.report.fail('DEVICE-REFERENCE', this.at(t), `no ${prefix} filter ${t.text}`);
          continue;
        }
        if (f.conditions === null) continue; // reported where the filter is defined
        const text = `${f.raw}   (${b.raw})`;
        if (f.action === 'reject') {
          rules.push({ conditions: [ifCond, ...f.conditions], target: { kind: 'drop' }, loc: f.loc, text, id: f.num });
          continue;
        }
        if (b.dir === 'in' && outNames.length > 0) {
          // Passed in; the out list of the interface it leaves by decides next.
          rules.push({ conditions: [ifCond, toOut, ...f.conditions], target: { kind: 'goto', chain: 'out' }, loc: f.loc, text, id: f.num });
        }
        rules.push({ conditions: [ifCond, ...f.conditions], target: { kind: 'accept' }, loc: f.loc, text, id: f.num });
      }
      rules.push({
        conditions: [ifCond, famCond],
        target: { kind: 'drop' },
        loc: b.loc,
        text: `${b.raw}   (no filter matched: discarded)`,
        id: `${b.iface}-${b.dir}${b.family === 6 ? '6' : ''}-end`,
      });
    }
    // A flow entering by an interface without an in list meets the out lists only.
    for (const fam of [4, 6] as const) {
      const names = [...outIfs[fam]];
      if (names.length === 0) continue;
      forward.push({
        conditions: [
          { kind: 'family', family: fam, negate: false },
          { kind: 'out', names, negate: false },
        ],
        target: { kind: 'goto', chain: 'out' },
        loc: loc(this.file, 1, 1),
        text: `(the flow leaves by ${names.join(', ')}: its ${fam === 4 ? 'ip' : 'ipv6'} secure filter out list decides)`,
        id: null,
      });
    }
    const families: (4 | 6)[] = [4];
    if (this.bindings.some((b) => b.family === 6)) families.push(6);
    return {
      name,
      file: this.file,
      format: 'rtx',
      families,
      chains: new Map([
        ['forward', { name: 'forward', rules: forward, policy: 'accept', policyLoc: null }],
        ['out', { name: 'out', rules: out, policy: null, policyLoc: null }],
      ]),
      entry: ['forward'],
    };
  }
}

export function parseRtx(text: string, file: string, opts: { lenient: boolean }): ParseResult {
  const p = new RtxParser(file, opts.lenient);
  const stmts = statements(text, file, p.report);
  let name = file;
  for (const s of stmts) {
    if (s.toks[0]?.text === 'console' && s.toks[1]?.text === 'prompt' && s.toks[2]) name = s.toks[2].text;
    p.statement(s);
  }
  return { devices: [p.build(name)], problems: p.report.problems };
}

/** A Yamaha router configuration: ip filter / secure filter lines, pp select, RTX headers. */
export function detect(text: string): boolean {
  if (/^#\s*(RTX|RT|NVR|vRX)\S* Rev\./m.test(text.slice(0, 2048))) return true;
  return /^\s*(ip(v6)? \S+ secure filter (in|out|name)\b|ip(v6)? filter \d+ (pass|reject|restrict)|ip(v6)? policy filter |pp select (\d+|none|anonymous)\s*$|nat descriptor (type|address|masquerade) )/m.test(
    text,
  );
}

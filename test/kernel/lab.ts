/**
 * Three network namespaces: host A — firewall F — host B, joined by veth pairs (A eth0 ↔ F lan0,
 * F wan0 ↔ B eth0). A holds the source pool on lo, B the destination pool (198.18.16.0/28,
 * 198.18.32.0/28, 2001:db8:1a::/124, 2001:db8:1b::/124; links 198.18.0.0/24, 198.18.2.0/24,
 * 2001:db8:a::/64, 2001:db8:b::/64 — benchmark and documentation ranges, nothing leaves the
 * namespaces). F forwards; neighbours are permanent so no first packet waits on ARP or ND.
 *
 * B records what arrives with its own nftables: a prerouting chain adds (source, destination,
 * protocol, destination port) of every packet to a dynamic set, then drops it, so B never
 * answers and every connection F sees stays new.
 */
import { spawn, spawnSync } from 'node:child_process';
import { quickSkip } from '../tiers.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseV4, parseV6 } from '../../src/device/addresses.js';
import { type AbsFlow, HOSTS, hostText } from '../reference/linux-ruleset.js';
import { packet, SENDER } from './packets.js';

export interface Out {
  code: number;
  out: string;
  err: string;
}

export function run(cmd: string, args: string[], input?: string): Promise<Out> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    p.on('error', (e) => resolve({ code: 127, out, err: err + String(e) }));
    p.on('close', (code) => resolve({ code: code ?? 1, out, err }));
    p.stdin.on('error', () => {});
    p.stdin.end(input ?? '');
  });
}

async function must(cmd: string, args: string[], input?: string): Promise<string> {
  const r = await run(cmd, args, input);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.err.trim() || r.out.trim()}`);
  return r.out;
}

const MAC = { a: '02:53:41:00:00:0a', fl: '02:53:41:00:00:f1', fw: '02:53:41:00:00:f2', b: '02:53:41:00:00:0b' };

const RECORDER = `table inet rec {
  set t4 { type ipv4_addr . ipv4_addr . inet_proto . inet_service; flags dynamic; size 65535; }
  set o4 { type ipv4_addr . ipv4_addr . inet_proto; flags dynamic; size 65535; }
  set t6 { type ipv6_addr . ipv6_addr . inet_proto . inet_service; flags dynamic; size 65535; }
  set o6 { type ipv6_addr . ipv6_addr . inet_proto; flags dynamic; size 65535; }
  chain pre {
    type filter hook prerouting priority -400; policy accept;
    ip daddr 198.18.32.0/24 meta l4proto { tcp, udp } add @t4 { ip saddr . ip daddr . meta l4proto . th dport }
    ip daddr 198.18.32.0/24 meta l4proto != { tcp, udp } add @o4 { ip saddr . ip daddr . meta l4proto }
    ip daddr 198.18.32.0/24 drop
    ip6 daddr 2001:db8:1b::/64 meta l4proto { tcp, udp } add @t6 { ip6 saddr . ip6 daddr . meta l4proto . th dport }
    ip6 daddr 2001:db8:1b::/64 meta l4proto != { tcp, udp } add @o6 { ip6 saddr . ip6 daddr . meta l4proto }
    ip6 daddr 2001:db8:1b::/64 drop
  }
}
`;

/** Why the kernel tests cannot run here, or null when they can. */
export async function kernelUnavailable(): Promise<string | null> {
  const quick = quickSkip('the kernel tests');
  if (quick) return quick;
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (network namespaces need CAP_SYS_ADMIN)';
  for (const [cmd, args] of [
    ['ip', ['-V']],
    ['iptables-restore', ['--version']],
    ['ip6tables-restore', ['--version']],
    ['nft', ['--version']],
    ['perl', ['-MSocket', '-e', '1']],
  ] as const) {
    const r = await run(cmd, [...args]);
    if (r.code !== 0) return `${cmd} is not usable: ${r.err.trim().split('\n')[0] ?? r.code}`;
  }
  return null;
}

export function flowKey(fam: 4 | 6, src: number | bigint, dst: number | bigint, proto: number, port: number): string {
  return `${fam}|${src}|${dst}|${proto}|${port}`;
}

export function absFlowKey(f: AbsFlow): string {
  const src = f.fam === 4 ? parseV4(hostText(4, 'a', f.src))! : parseV6(hostText(6, 'a', f.src))!;
  const dst = f.fam === 4 ? parseV4(hostText(4, 'b', f.dst))! : parseV6(hostText(6, 'b', f.dst))!;
  return flowKey(f.fam, src, dst, f.proto, f.proto === 6 || f.proto === 17 ? f.port : 0);
}

const PROTO_NUM: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, 'ipv6-icmp': 58, icmpv6: 58, gre: 47 };

/** Namespaces alive in this process, removed on exit even when the test is killed. */
const live = new Set<string>();
let hooked = false;
function removeAllSync(): void {
  for (const ns of live) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  live.clear();
}
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', removeAllSync);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      removeAllSync();
      process.kill(process.pid, sig);
    });
  }
}

export class Lab {
  private sent = 0;
  private constructor(
    readonly a: string,
    readonly f: string,
    readonly b: string,
  ) {}

  /** Builds the three namespaces; on any failure removes what it made and throws. */
  static async create(tag: string): Promise<Lab> {
    const lab = new Lab(`${tag}-a`, `${tag}-f`, `${tag}-b`);
    try {
      await lab.setup();
    } catch (e) {
      await lab.destroy();
      throw e;
    }
    return lab;
  }

  private async setup(): Promise<void> {
    const { a, f, b } = this;
    hookExit();
    for (const ns of [a, f, b]) {
      await must('ip', ['netns', 'add', ns]);
      live.add(ns);
    }
    await must('ip', ['-n', a, 'link', 'add', 'eth0', 'address', MAC.a, 'type', 'veth', 'peer', 'name', 'lan0', 'address', MAC.fl, 'netns', f]);
    await must('ip', ['-n', b, 'link', 'add', 'eth0', 'address', MAC.b, 'type', 'veth', 'peer', 'name', 'wan0', 'address', MAC.fw, 'netns', f]);
    const sysctl = (ns: string, kv: string[]): Promise<string> => must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', ...kv]);
    for (const ns of [a, f, b])
      await sysctl(ns, ['net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    await sysctl(f, ['net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    const batchA = [
      'link set lo up',
      'link set eth0 up',
      'addr add 198.18.0.2/24 dev eth0',
      'addr add 2001:db8:a::2/64 dev eth0 nodad',
      'route add default via 198.18.0.1',
      'route add default via 2001:db8:a::1',
      `neigh replace 198.18.0.1 lladdr ${MAC.fl} dev eth0 nud permanent`,
      `neigh replace 2001:db8:a::1 lladdr ${MAC.fl} dev eth0 nud permanent`,
    ];
    const batchB = [
      'link set lo up',
      'link set eth0 up',
      'addr add 198.18.2.2/24 dev eth0',
      'addr add 2001:db8:b::2/64 dev eth0 nodad',
      'route add default via 198.18.2.1',
      'route add default via 2001:db8:b::1',
      `neigh replace 198.18.2.1 lladdr ${MAC.fw} dev eth0 nud permanent`,
      `neigh replace 2001:db8:b::1 lladdr ${MAC.fw} dev eth0 nud permanent`,
    ];
    for (const i of HOSTS) {
      batchA.push(`addr add ${hostText(4, 'a', i)}/32 dev lo`, `addr add ${hostText(6, 'a', i)}/128 dev lo nodad`);
      batchB.push(`addr add ${hostText(4, 'b', i)}/32 dev lo`, `addr add ${hostText(6, 'b', i)}/128 dev lo nodad`);
    }
    const batchF = [
      'link set lo up',
      'link set lan0 up',
      'link set wan0 up',
      'addr add 198.18.0.1/24 dev lan0',
      'addr add 2001:db8:a::1/64 dev lan0 nodad',
      'addr add 198.18.2.1/24 dev wan0',
      'addr add 2001:db8:b::1/64 dev wan0 nodad',
      'route add 198.18.16.0/24 via 198.18.0.2',
      'route add 198.18.32.0/24 via 198.18.2.2',
      'route add 2001:db8:1a::/64 via 2001:db8:a::2',
      'route add 2001:db8:1b::/64 via 2001:db8:b::2',
      `neigh replace 198.18.0.2 lladdr ${MAC.a} dev lan0 nud permanent`,
      `neigh replace 2001:db8:a::2 lladdr ${MAC.a} dev lan0 nud permanent`,
      `neigh replace 198.18.2.2 lladdr ${MAC.b} dev wan0 nud permanent`,
      `neigh replace 2001:db8:b::2 lladdr ${MAC.b} dev wan0 nud permanent`,
    ];
    await must('ip', ['-n', a, '-batch', '-'], `${batchA.join('\n')}\n`);
    await must('ip', ['-n', b, '-batch', '-'], `${batchB.join('\n')}\n`);
    await must('ip', ['-n', f, '-batch', '-'], `${batchF.join('\n')}\n`);
    await this.in(b, 'nft', ['-f', '-'], RECORDER);
  }

  in(ns: string, cmd: string, args: string[], input?: string): Promise<string> {
    return must('ip', ['netns', 'exec', ns, cmd, ...args], input);
  }

  /** Empties F's firewall: nftables and iptables-nft share one ruleset. */
  async clearFirewall(): Promise<void> {
    await this.in(this.f, 'nft', ['flush', 'ruleset']);
  }

  async loadIptables(v4: string, v6: string): Promise<void> {
    await this.clearFirewall();
    await this.in(this.f, 'iptables-restore', [], v4);
    await this.in(this.f, 'ip6tables-restore', [], v6);
  }

  /** What F's iptables-save and ip6tables-save print, one after the other. */
  async dumpIptables(): Promise<string> {
    return (await this.in(this.f, 'iptables-save', [])) + (await this.in(this.f, 'ip6tables-save', []));
  }

  async loadNftJson(json: string): Promise<void> {
    await this.clearFirewall();
    // nft -j cannot read JSON from a pipe: a file it is.
    const dir = mkdtempSync(join(tmpdir(), 'sanso-nft-'));
    try {
      writeFileSync(join(dir, 'ruleset.json'), json);
      await this.in(this.f, 'nft', ['-j', '-f', join(dir, 'ruleset.json')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async dumpNft(): Promise<string> {
    return this.in(this.f, 'nft', ['-j', 'list', 'ruleset']);
  }

  /**
   * Sends each flow's first packet `copies` times from A (a fresh source port or ICMP id each
   * time) and returns the keys of the flows that reached B.
   */
  async probe(flows: AbsFlow[], copies = 2): Promise<Set<string>> {
    await this.in(this.b, 'nft', [
      'flush',
      'set',
      'inet',
      'rec',
      't4',
      ';',
      'flush',
      'set',
      'inet',
      'rec',
      'o4',
      ';',
      'flush',
      'set',
      'inet',
      'rec',
      't6',
      ';',
      'flush',
      'set',
      'inet',
      'rec',
      'o6',
    ]);
    const lines: string[] = [];
    for (let c = 0; c < copies; c++) {
      for (const fl of flows) {
        const dst = hostText(fl.fam, 'b', fl.dst);
        const p = packet(fl.fam, hostText(fl.fam, 'a', fl.src), dst, fl.proto, fl.port, ++this.sent);
        lines.push(`${fl.fam} ${dst} ${Buffer.from(p).toString('hex')}`);
      }
    }
    await this.in(this.a, 'perl', ['-e', SENDER], `${lines.join('\n')}\n`);
    // Let the last packets cross F before B's record is read.
    await new Promise((r) => setTimeout(r, 50));
    return this.arrived();
  }

  private async arrived(): Promise<Set<string>> {
    const out = await this.in(this.b, 'nft', ['-j', 'list', 'table', 'inet', 'rec']);
    const seen = new Set<string>();
    const doc = JSON.parse(out) as { nftables: Record<string, { name?: string; elem?: unknown[] }>[] };
    for (const item of doc.nftables) {
      const set = item.set;
      if (!set?.elem) continue;
      const fam = set.name?.endsWith('6') ? 6 : 4;
      for (const e of set.elem) {
        const val = (e as { elem?: { val?: unknown } }).elem?.val ?? e;
        const parts = (val as { concat?: unknown[] }).concat;
        if (!Array.isArray(parts)) throw new Error(`unexpected recorder element ${JSON.stringify(e)}`);
        const src = fam === 4 ? parseV4(String(parts[0])) : parseV6(String(parts[0]));
        const dst = fam === 4 ? parseV4(String(parts[1])) : parseV6(String(parts[1]));
        const proto = typeof parts[2] === 'number' ? parts[2] : PROTO_NUM[String(parts[2])];
        if (src === null || dst === null || proto === undefined) throw new Error(`unexpected recorder element ${JSON.stringify(e)}`);
        seen.add(flowKey(fam, src, dst, proto, parts.length > 3 ? Number(parts[3]) : 0));
      }
    }
    return seen;
  }

  /** Removes the namespaces (and with them the veths); never throws. */
  async destroy(): Promise<void> {
    for (const ns of [this.a, this.f, this.b]) {
      await run('ip', ['netns', 'del', ns]);
      live.delete(ns);
    }
  }
}

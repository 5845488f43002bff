/**
 * The naive reference for the device model: one flow at a time, rule after rule, exactly as
 * a first-match packet filter reads its configuration. No ranges, no classes, no cleverness —
 * the audit's range compilation and every parser's output are compared with this on random
 * inputs. (For iptables and nftables the Linux kernel is the reference above this one.)
 */
import type { AddressSet, Condition, Device, DeviceVerdict } from '../../src/device/types.js';

export interface DeviceFlow {
  family: 4 | 6;
  /** IPv4 as a number (0 … 2^32 − 1), IPv6 as a bigint. */
  src: number | bigint;
  dst: number | bigint;
  /** Service key: proto * 65536 + port (port 0 for protocols without ports). */
  key: number;
  /** The interface or zone the flow enters and leaves by, where the device names them. */
  inIf?: string | null;
  outIf?: string | null;
}

function inSet(set: AddressSet, family: 4 | 6, a: number | bigint): boolean {
  if (family === 4) return set.v4.some((r) => (a as number) >= r.lo && (a as number) <= r.hi);
  return set.v6.some((r) => (a as bigint) >= r.lo && (a as bigint) <= r.hi);
}

function holds(c: Condition, f: DeviceFlow): boolean {
  let m: boolean;
  switch (c.kind) {
    case 'never':
      return false;
    case 'src':
      m = inSet(c.set, f.family, f.src);
      break;
    case 'dst':
      m = inSet(c.set, f.family, f.dst);
      break;
    case 'service':
      m = c.ranges.some((r) => f.key >= r.lo && f.key <= r.hi);
      break;
    case 'in':
      m = f.inIf != null && c.names.includes(f.inIf);
      break;
    case 'out':
      m = f.outIf != null && c.names.includes(f.outIf);
      break;
    case 'family':
      m = f.family === c.family;
      break;
  }
  return c.negate ? !m : m;
}

/** null: the chain returned to its caller without a verdict. */
function runChain(device: Device, name: string, f: DeviceFlow, depth: number): DeviceVerdict | null {
  if (depth > 64) throw new Error(`chain nesting deeper than 64 at ${name} (a loop?)`);
  const chain = device.chains.get(name);
  if (!chain) throw new Error(`no chain ${name}`);
  for (const rule of chain.rules) {
    if (!rule.conditions.every((c) => holds(c, f))) continue;
    const t = rule.target;
    if (t.kind === 'accept' || t.kind === 'drop') return { action: t.kind, rule, chain: name };
    if (t.kind === 'return') return null;
    if (t.kind === 'continue') continue;
    const v = runChain(device, t.chain, f, depth + 1);
    if (v) return v;
    if (t.kind === 'goto') return null;
  }
  return chain.policy ? { action: chain.policy, rule: null, chain: name } : null;
}

/**
 * What the device does with a new connection: every entry chain must accept it; the first that
 * drops decides. A base chain that returns without a verdict applies its own policy.
 */
export function evaluateDevice(device: Device, f: DeviceFlow): DeviceVerdict {
  let last: DeviceVerdict | null = null;
  for (const name of device.entry) {
    const chain = device.chains.get(name)!;
    const v = runChain(device, name, f, 0) ?? { action: chain.policy ?? 'accept', rule: null, chain: name };
    if (v.action === 'drop') return v;
    last = v;
  }
  return last ?? { action: 'accept', rule: null, chain: '' };
}

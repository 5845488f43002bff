/**
 * Interface names with wildcards. Linux firewalls match interface names by prefix: iptables
 * `-i lan+`, nft `iifname "lan*"`. Both parsers keep such a name as the kernel's own spelling
 * with a trailing `+` (nft's `*` is written `+`), and the device model's `in`/`out` conditions
 * compare names exactly. Before flows are evaluated, the audit expands each pattern into the
 * interface names it knows (the `--interfaces` file, or the kernel test's two interfaces): a
 * flow only ever enters or leaves by one of those, so the expansion is exact.
 */
import type { Device } from './types.js';

/** Whether an interface name matches a pattern as the kernel compares them. */
export function interfaceMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

export function isWildcard(name: string): boolean {
  return name.endsWith('+');
}

/**
 * A copy of the device whose `in`/`out` conditions name only interfaces of `known`: each
 * pattern becomes every known name it matches, an exact name stays as it is (the caller decides
 * what an unknown exact name means). Patterns that match no known name match nothing.
 */
export function expandInterfaces(device: Device, known: readonly string[]): Device {
  const chains = new Map(device.chains);
  for (const [name, chain] of device.chains) {
    chains.set(name, {
      ...chain,
      rules: chain.rules.map((rule) => ({
        ...rule,
        conditions: rule.conditions.map((c) => {
          if (c.kind !== 'in' && c.kind !== 'out') return c;
          const names = new Set<string>();
          for (const n of c.names) {
            if (!isWildcard(n)) names.add(n);
            else for (const k of known) if (interfaceMatches(n, k)) names.add(k);
          }
          return { ...c, names: [...names] };
        }),
      })),
    });
  }
  return { ...device, chains };
}

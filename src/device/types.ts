/**
 * The device model: what a firewall configuration says, as an ordered first-match packet filter.
 * It is the *second model* sanso holds beside the policy's (model/types.ts): every parser in
 * device/ (iptables-save, nft -j, FortiOS, Yamaha RTX, Cisco ASA, PAN-OS) produces one of these,
 * and the audit compiles it into ranges and compares it with the policy's decision table.
 *
 * A flow here is the policy's flow (source address, destination address, service key; see
 * model/services.ts: key = proto * 65536 + port, port 0 for protocols without ports), asked as a
 * *new* connection that the device would forward. Addresses are numbers for IPv4 and bigints for
 * IPv6, inclusive ranges, exactly as the change-request checker keeps them.
 *
 * Interface and zone matches stay names here: which addresses lie behind an interface is not in
 * the device's configuration but in the `--interfaces` file, resolved at audit time.
 */
import type { Range4, Range6, ServiceRange } from '../model/types.js';

export type DeviceFormat = 'iptables' | 'nft' | 'fortios' | 'asa' | 'rtx' | 'panos';

/** Where a statement stands in the device file: 1-based, as the device wrote it. */
export interface DeviceLocation {
  file: string;
  line: number;
  col: number;
}

export type { Range4, Range6 };

/** A set of addresses of both families. An empty set matches nothing. */
export interface AddressSet {
  v4: Range4[];
  v6: Range6[];
}

/**
 * One condition of a rule; a rule matches when all of its conditions do. `negate` inverts the
 * condition (iptables `!`, nft `!=`, ASA/FortiOS negated objects).
 */
export type Condition =
  | { kind: 'src'; set: AddressSet; negate: boolean }
  | { kind: 'dst'; set: AddressSet; negate: boolean }
  /** Service keys (protocol and destination port), as ranges of the policy's key space. */
  | { kind: 'service'; ranges: ServiceRange[]; negate: boolean }
  /** The interface or zone the packet enters by (iptables -i, nft iifname, srcintf, from zone). */
  | { kind: 'in'; names: string[]; negate: boolean }
  /** The interface or zone the packet leaves by. */
  | { kind: 'out'; names: string[]; negate: boolean }
  /**
   * The address family (nft `meta nfproto`, an inet table's `ip`/`ip6` matches). Families are
   * also a Device property: a device dump of only IPv4 tables does not filter IPv6 at all.
   */
  | { kind: 'family'; family: 4 | 6; negate: boolean }
  /**
   * A condition no new connection meets: `--ctstate ESTABLISHED,RELATED`, `ct state
   * established`. The rule stays in the model (it is a rule the auditor sees, and it can be
   * reported unreachable for new connections) but never matches a new connection.
   */
  | { kind: 'never'; why: string };

export type Target =
  | { kind: 'accept' }
  /** DROP and REJECT alike: the connection is not forwarded. */
  | { kind: 'drop' }
  /** Evaluate the chain; come back here if it returns (falls off its end or hits `return`). */
  | { kind: 'jump'; chain: string }
  /** Evaluate the chain; where it returns, return from this chain too. */
  | { kind: 'goto'; chain: string }
  | { kind: 'return' }
  /** A rule that decides nothing: LOG, counter-only, comment-only. Evaluation goes on. */
  | { kind: 'continue' };

export interface DeviceRule {
  conditions: Condition[];
  target: Target;
  loc: DeviceLocation;
  /** The rule as the device wrote it, one line (reported with findings). */
  text: string;
  /** The device's own name for the rule, where it has one (policy id, ACL line, nft handle). */
  id: string | null;
}

export interface Chain {
  name: string;
  rules: DeviceRule[];
  /**
   * What happens at the end of the chain: for a base chain its policy (`:FORWARD DROP`, an
   * implicit deny), for a user chain null — control returns to the caller.
   */
  policy: 'accept' | 'drop' | null;
  /** Where the policy was written; null for an implicit default. */
  policyLoc: DeviceLocation | null;
}

/** One parsed device configuration. */
export interface Device {
  /** A name for reports: hostname, VDOM, or the file name. */
  name: string;
  file: string;
  format: DeviceFormat;
  /** Address families this configuration filters; a flow of another family is not audited. */
  families: (4 | 6)[];
  chains: Map<string, Chain>;
  /**
   * The base chains a forwarded packet traverses, in order (nft: every base chain on the
   * forward hook by priority). A new connection is forwarded only if every one accepts it.
   */
  entry: string[];
}

/** What a parser could not take in. Errors make the audit fail unless `--lenient`. */
export interface DeviceProblem {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  loc: DeviceLocation;
}

export interface ParseResult {
  devices: Device[];
  problems: DeviceProblem[];
}

/** What decided a flow on a device: a rule, or a chain's default (rule null). */
export interface DeviceVerdict {
  action: 'accept' | 'drop';
  rule: DeviceRule | null;
  /** The chain whose policy decided it, where no rule did. */
  chain: string;
}

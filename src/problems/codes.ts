/**
 * The one catalogue of codes sanso emits. Names are stable: CI pipelines, SARIF rule ids and
 * HTTP problem types are keyed on them. docs/problem-codes.md is generated from this file
 * (`npm run docs:codes`), and a test checks both ways: every code is documented, and every
 * documented code exists.
 */
import type { Severity } from './problem.js';

interface CodeInfo {
  severity: Severity;
  /** What it means, one line (docs/problem-codes.md, SARIF rule description). */
  meaning: string;
  /** How to fix it, one line. */
  fix: string;
}

export const CODES = {
  // — reading files —
  'PATH-NOT-FOUND': { severity: 'error', meaning: 'A path given on the command line does not exist.', fix: 'Check the path; the default is rules/.' },
  'READ-FAILED': { severity: 'error', meaning: 'A rule file could not be read.', fix: 'Check permissions and that it is a regular file.' },
  'NO-RULE-FILES': { severity: 'error', meaning: 'A directory holds no *.yaml or *.yml files.', fix: 'Point at the directory that holds the rule files.' },
  'RULE-FILE-SKIPPED': {
    severity: 'warning',
    meaning: 'A *.yaml or *.yml file in a subfolder of a rule directory: only the files directly in the directory are read.',
    fix: 'Move the file into the rule directory, name it as a path of its own, or delete it.',
  },
  'ENCODING-INVALID': { severity: 'error', meaning: 'The file is not valid UTF-8.', fix: 'Save the file as UTF-8 (not Shift_JIS).' },
  'ENCODING-BOM': {
    severity: 'error',
    meaning: 'A byte-order mark (U+FEFF) inside the file; one at the very start is allowed.',
    fix: 'Delete the stray mark (it often comes from pasting one file into another).',
  },
  // — YAML —
  'YAML-SYNTAX': {
    severity: 'error',
    meaning: 'The file is not well-formed YAML (including tabs used for indentation).',
    fix: 'Fix the YAML at the position given; indent with spaces.',
  },
  'YAML-DUPLICATE-KEY': { severity: 'error', meaning: 'A mapping has the same key twice.', fix: 'Remove or rename one of the keys.' },
  'YAML-ALIAS-LIMIT': { severity: 'error', meaning: 'Aliases expand beyond the limit (an alias bomb).', fix: 'Write the values out; rule files need no deep aliases.' },
  'YAML-MULTIPLE-DOCUMENTS': { severity: 'error', meaning: 'A rule file holds more than one YAML document.', fix: 'Split the documents into separate files.' },
  // — schema —
  'SCHEMA-UNKNOWN-KEY': { severity: 'error', meaning: 'A key the rule language does not know.', fix: 'Check the spelling against schemas/rules.schema.json.' },
  'SCHEMA-VIOLATION': { severity: 'error', meaning: 'A value has the wrong type or shape.', fix: 'Follow schemas/rules.schema.json; the message names what was expected.' },
  // — the rule set —
  'SEGMENTS-MISSING': { severity: 'error', meaning: 'The rule set defines no segments.', fix: 'Add a segments list to one of the files.' },
  'POLICY-DUPLICATE': { severity: 'error', meaning: 'More than one file has a policy section.', fix: 'Keep policy in one file.' },
  'TIMEZONE-INVALID': { severity: 'error', meaning: 'policy.timezone is not an IANA time zone.', fix: 'Use a name like Asia/Tokyo.' },
  'NAME-DUPLICATE': {
    severity: 'error',
    meaning: 'A name or id is defined twice. Segment and group names share one namespace (both stand in from/to), services have their own, flow and exception ids share one.',
    fix: 'Names and ids must be unique across all files; the message names the first definition.',
  },
  'NAME-RESERVED': {
    severity: 'error',
    meaning: 'A name that sanso reserves: outside or tier:… for a segment or group, or a service name that reads as a service (tcp, udp, icmp, icmpv6, any).',
    fix: 'Choose another name.',
  },
  'NAME-UNKNOWN': { severity: 'error', meaning: 'A reference to a segment, group, service or tier that does not exist.', fix: 'Define it, or fix the spelling.' },
  'GROUP-CYCLE': { severity: 'error', meaning: 'Groups contain each other in a cycle.', fix: 'Break the cycle.' },
  'CIDR-INVALID': {
    severity: 'error',
    meaning: 'A CIDR is malformed: host bits set, no or an out-of-range prefix, leading zero, zone id, or an IPv4-mapped IPv6 CIDR (::ffff:a.b.c.d/n).',
    fix: 'Write the network address exactly, e.g. 10.20.0.0/16; write IPv4-mapped networks as the IPv4 CIDR.',
  },
  'CIDR-DUPLICATE': { severity: 'error', meaning: 'The same CIDR is claimed twice.', fix: 'Give each CIDR to one segment.' },
  'SERVICE-INVALID': {
    severity: 'error',
    meaning: 'A service is malformed: unknown protocol, port out of 1–65535, range upside down, or a named service listed inside another (they do not nest).',
    fix: 'Write tcp/443, udp/53, tcp/8000-8080, icmp, icmpv6, proto/47 or any.',
  },
  'SANITIZER-CANNOT-BRIDGE': {
    severity: 'error',
    meaning: 'A sanitizer whose peer, method or direction can never bridge the tier pair.',
    fix: 'See docs/rules.md “Sanitizers”: which method and direction each tier pair allows.',
  },
  'BREAKOUT-MODEL': {
    severity: 'error',
    meaning: 'A segment carries breakout, but policy.model is not alpha-prime: local breakout exists only under the α′ model.',
    fix: 'Remove breakout, or set policy.model: alpha-prime if the city really runs the α′ model (docs/models.md).',
  },
  'BREAKOUT-SEGMENT': {
    severity: 'error',
    meaning:
      'breakout on a segment that is not an internet-tier external segment (tier: internet, external: true): only an approved cloud service outside the city can be a breakout destination.',
    fix: 'Move breakout to the internet-tier external segment of the cloud service.',
  },
  'EXCEPTION-DATE-INVALID': {
    severity: 'error',
    meaning: 'An exception’s expires is not a calendar date written YYYY-MM-DD (2027-02-30, 2027-3-31).',
    fix: 'Write expires as YYYY-MM-DD, a day that exists.',
  },
  'EXCEPTION-TOO-LONG': {
    severity: 'error',
    meaning: 'An exception’s expires lies more than policy.exception-max-days days after the day it is judged on (--as-of, default today).',
    fix: 'Set expires within the limit; renew the approval when it runs out rather than approving for longer.',
  },
  'ALLOW-CEILING-FORBIDDEN': {
    severity: 'error',
    meaning: 'An allow rule every flow of which the tier model forbids: it can never take effect.',
    fix: 'Remove the rule, route through a sanitizer, or file a time-limited exception.',
  },
  'ALLOW-CEILING-PARTIAL': { severity: 'warning', meaning: 'An allow rule part of which the tier model forbids.', fix: 'Narrow the rule to the flows the tier model permits.' },
  'EXCEPTION-EXPIRED': { severity: 'warning', meaning: 'An exception whose expiry date has passed.', fix: 'Remove it, or renew it with a new approval.' },
  'EXCEPTION-EXPIRING': {
    severity: 'warning',
    meaning: 'An exception expires within --warn-expiring days (default 30).',
    fix: 'Renew its approval and move expires, or plan the change that ends it.',
  },
  'EXCEPTION-NEEDLESS': { severity: 'warning', meaning: 'An exception none of whose flows the tier model forbids: it lifts nothing.', fix: 'Use a flow rule instead.' },
  'RULE-SHADOWED': {
    severity: 'warning',
    meaning: 'A rule that never decides a flow: earlier rules match all of it.',
    fix: 'Remove it or move it before the rules that shadow it.',
  },
  'SEGMENT-UNUSED': {
    severity: 'warning',
    meaning:
      'A segment no flow or exception names (directly, through a group or a tier: selector), that is no sanitizer, in a tier whose default is deny: every flow to or from it is denied.',
    fix: 'Remove it, or add the flows it needs.',
  },
  'MFA-MISSING': { severity: 'warning', meaning: 'A My Number terminal segment without mfa: true (5(3)ア).', fix: 'Enforce multi-factor authentication and set mfa: true.' },
  'MODEL-MISMATCH': {
    severity: 'warning',
    meaning:
      'The terminals contradict policy.model: α/α′ with no LGWAN-tier terminal segment; β/β′ with no internet-tier terminal segment, or with no screen-transfer sanitizer into the LGWAN tier.',
    fix: 'Set policy.model to the model the city runs (docs/models.md), or declare the terminal segments and sanitizers it needs.',
  },
  'CIDR-TIER-NESTED': {
    severity: 'warning',
    meaning: 'A CIDR lies inside a CIDR of another tier: the outer segment silently owns every address of it that no longer prefix claims.',
    fix: 'Split the outer CIDR so that it covers only its own tier, or confirm the nesting is intended.',
  },
  // — the firewall audit (sanso audit) —
  'AUDIT-INTERFACES-INVALID': {
    severity: 'error',
    meaning:
      'The --interfaces file is not a map from interface or zone name to a list of segments, groups, tier:<tier> or outside, names an unknown segment or group, or puts a segment behind two interfaces.',
    fix: 'Follow schemas/interfaces.schema.json; give each segment one interface.',
  },
  'AUDIT-INTERFACE-UNMAPPED': {
    severity: 'error',
    meaning: 'A device rule matches an interface or zone that no --interfaces file maps (or no file was given).',
    fix: 'Add the interface to the interfaces file with the segments behind it.',
  },
  // — device configurations —
  'DEVICE-SYNTAX': {
    severity: 'error',
    meaning: 'A device configuration (iptables-save, nft -j list ruleset …) is malformed where sanso reads it: a line, a JSON value, an address or a port it cannot parse.',
    fix: 'Give sanso the file exactly as the device exported it; the message names what was expected.',
  },
  'DEVICE-UNSUPPORTED': {
    severity: 'error',
    meaning:
      'A device statement that could change what is forwarded and that sanso does not understand (a match module, an expression, a target, a chain on another hook); the audit fails closed.',
    fix: 'Rewrite the rule with the statements docs/audit-linux.md lists, or pass --lenient to audit anyway (the verdict may then be incomplete).',
  },
  'DEVICE-REWRITE': {
    severity: 'error',
    meaning: 'The device rewrites addresses or ports before it filters (DNAT, REDIRECT, nft dnat): the filter sees other flows than the ones sent.',
    fix: 'Audit the device without destination NAT, or pass --lenient knowing the verdict ignores the rewrite.',
  },
  'DEVICE-REFERENCE': {
    severity: 'error',
    meaning: 'A device rule names a chain, set or map the configuration does not define.',
    fix: 'Export the whole configuration (every table), or fix the name.',
  },
  'DEVICE-GROUP-CYCLE': {
    severity: 'error',
    meaning: 'Appliance object groups (FortiOS addrgrp, ASA object-group, PAN-OS address-group) contain each other in a cycle.',
    fix: 'Break the cycle; the message names the groups in it.',
  },
  'DEVICE-SOURCE-PORT': {
    severity: 'error',
    meaning:
      'An appliance rule or service restricts the source port (FortiOS dst:src port ranges, an RTX or ASA source port): the policy model has no source ports, so the rule cannot be audited exactly.',
    fix: 'Remove the source-port restriction, or pass --lenient: the rule is then read as if it matched every source port (docs/audit-vendors.md).',
  },
  'DEVICE-CONDITIONAL-PASS': {
    severity: 'error',
    meaning: 'A Yamaha RTX restrict filter: it passes only while the line is connected, which no configuration says.',
    fix: 'Use pass or reject, or pass --lenient: restrict is then read as pass (what the device does while the line is up).',
  },
  'DEVICE-APPLICATION': {
    severity: 'error',
    meaning: 'A PAN-OS rule names applications other than any: what it matches depends on traffic content, not on addresses and ports.',
    fix: 'Use application any with a service, or pass --lenient: an allow rule is then read as matching its service, a deny rule as matching nothing (docs/audit-vendors.md).',
  },
  'DEVICE-LOOP': { severity: 'error', meaning: 'Device chains jump or go to each other in a loop.', fix: 'Break the loop; the message lists the chains in it.' },
  'DEVICE-FAMILY-UNKNOWN': {
    severity: 'error',
    meaning: 'sanso cannot tell whether a device table filters IPv4 or IPv6 (an iptables-save file without its "# Generated by" line and without an address that tells).',
    fix: 'Keep the "# Generated by iptables-save" or "ip6tables-save" line the tool writes.',
  },
} as const satisfies Record<string, CodeInfo>;

export type ProblemCode = keyof typeof CODES;

/** Decision codes (docs/decisions.md), with the built-in clause of the basic policy each cites. */
export const DECISION_CODES = {
  'EXPLICIT-DENY': { clause: null, meaning: 'A deny flow rule matches.' },
  'CLOUD-AGGREGATION': { clause: '5(3)ウ', meaning: 'Internet traffic must be aggregated through the security cloud.' },
  'MN-ISOLATION': { clause: '5(3)ア', meaning: 'The My Number tier cannot communicate with other tiers.' },
  'SPLIT-PATH': { clause: '5(3)イ', meaning: 'LGWAN and internet tiers are split; only sanitized communication crosses.' },
  'MFA-REQUIRED': { clause: '5(3)ア', meaning: 'My Number terminals need multi-factor authentication.' },
  EXCEPTION: { clause: null, meaning: 'An unexpired, approved exception lifts the tier model.' },
  GRANTED: { clause: null, meaning: 'An allow flow rule grants the flow.' },
  'DEFAULT-ALLOW': { clause: null, meaning: 'Intra-tier flow allowed by policy.defaults.' },
  'NO-GRANT': { clause: null, meaning: 'No rule grants the flow.' },
} as const;

export type DecisionCode = keyof typeof DECISION_CODES;
/** Ceiling codes in the order the ceiling (docs/decisions.md step 2) tries them. */
export const CEILING_CODES = ['CLOUD-AGGREGATION', 'MN-ISOLATION', 'SPLIT-PATH', 'MFA-REQUIRED'] as const;
export type CeilingCode = (typeof CEILING_CODES)[number];

/**
 * Problem types of the HTTP API (RFC 9457 `application/problem+json`). The `type` URI is
 * PROBLEM_TYPE_BASE + the code in lower case; `code` carries the name itself. Every bad input
 * is a 4xx; 5xx means the service (not the caller) is not able to answer.
 */
export const PROBLEM_TYPE_BASE = 'https://sanso.example/problems/';

export const API_ERRORS = {
  'MALFORMED-JSON': { status: 400, title: 'Malformed JSON', meaning: 'The body (or an NDJSON line) is not well-formed JSON (white space alone included).' },
  'PROTOTYPE-POISONING': { status: 400, title: 'Forbidden key', meaning: 'The body has a __proto__ key or constructor.prototype: refused outright, never stripped.' },
  'INVALID-REQUEST': {
    status: 400,
    title: 'Invalid request',
    meaning: 'The body, query or a header does not follow the route’s schema: no body, a missing field, a wrong type, an unknown key.',
  },
  'BAD-ADDRESS': { status: 400, title: 'Bad address', meaning: 'An address is malformed: leading zero, zone id, octet or group out of range, not IPv4 or IPv6.' },
  'BAD-SERVICE': {
    status: 400,
    title: 'Bad service',
    meaning: 'A service is malformed: unknown protocol, port outside 1–65535, a port on a port-less protocol, a tcp/udp service without a port.',
  },
  'BAD-CHANGE-REQUEST': {
    status: 400,
    title: 'Bad change request',
    meaning:
      'A change request is not well-formed (a missing or unknown key, an empty list) or names an unknown segment, group or service, a bad CIDR or port range; every error names the rule index and field.',
  },
  'BAD-DEVICE': {
    status: 400,
    title: 'Bad device configuration',
    meaning:
      'POST /v1/audit: the device text cannot be audited: its format is not recognised, a statement is malformed or not understood (without `lenient`), an interface is not mapped, or it has more rules than the limit; `errors` lists each with line and column.',
  },
  'BAD-INTERFACES': {
    status: 400,
    title: 'Bad interfaces mapping',
    meaning: 'POST /v1/audit: `interfaces` names an unknown segment or group, or puts a segment behind two interfaces.',
  },
  'BAD-HTTP': { status: 400, title: 'Bad HTTP request', meaning: 'The request is not valid HTTP/1.1 (answered before routing).' },
  UNAUTHORIZED: { status: 401, title: 'Unauthorized', meaning: 'No bearer token, or one that matches no configured token.' },
  FORBIDDEN: { status: 403, title: 'Forbidden', meaning: 'The token is valid but lacks the scope the route needs.' },
  'NOT-FOUND': { status: 404, title: 'Not found', meaning: 'No such route.' },
  'METHOD-NOT-ALLOWED': { status: 405, title: 'Method not allowed', meaning: 'The route exists but not with this method; the Allow header lists those it takes.' },
  'REQUEST-TIMEOUT': { status: 408, title: 'Request timeout', meaning: 'The request (headers and body) did not arrive within the request timeout.' },
  'BODY-TOO-LARGE': { status: 413, title: 'Body too large', meaning: 'The body exceeds the route’s size limit. (An overlong NDJSON line is answered in its place instead.)' },
  'BATCH-TOO-LARGE': { status: 413, title: 'Batch too large', meaning: 'A JSON batch holds more flows than the batch limit; stream them as NDJSON instead.' },
  'UNSUPPORTED-MEDIA-TYPE': {
    status: 415,
    title: 'Unsupported media type',
    meaning: 'The Content-Type is not one the route accepts (application/json; batch also application/x-ndjson).',
  },
  'HEADERS-TOO-LARGE': { status: 431, title: 'Headers too large', meaning: 'The request headers exceed the server’s limit.' },
  'BODY-NOT-ALLOWED': {
    status: 400,
    title: 'Body not allowed',
    meaning: 'The route takes no body, and one was sent (a Content-Length above 0 or a chunked body); it is refused unread.',
  },
  'NESTING-TOO-DEEP': {
    status: 400,
    title: 'Nesting too deep',
    meaning: 'The JSON body nests arrays and objects deeper than the service reads (64 levels): no request of the API needs more.',
  },
  'DUPLICATE-KEY': { status: 400, title: 'Duplicate key', meaning: 'A JSON object in the body has the same key twice: which one counts would be a guess, so neither does.' },
  'TOO-MANY-RULES': { status: 413, title: 'Too many rules', meaning: 'A change request holds more rules than the per-request limit (see docs/service.md, Limits); split it.' },
  'ANSWER-TOO-LARGE': { status: 422, title: 'Answer too large', meaning: 'The answer would exceed the per-request answer size limit; split the request or narrow its ranges.' },
  'HOST-NOT-ALLOWED': {
    status: 421,
    title: 'Misdirected request',
    meaning: 'An open (token-less) service answers only requests whose Host names the address it listens on: a defence against DNS rebinding.',
  },
  'RELOAD-FAILED': { status: 422, title: 'Reload failed', meaning: 'The rule files on disk have errors; the previous policy keeps serving.' },
  'NOT-READY': { status: 503, title: 'Not ready', meaning: 'No policy is loaded yet, or the service is shutting down.' },
  OVERLOADED: { status: 503, title: 'Overloaded', meaning: 'Every policy worker is busy and the queue is full; Retry-After says when to try again.' },
  'TIME-BUDGET': {
    status: 503,
    title: 'Time budget exceeded',
    meaning: 'The request needed more work than the per-request time budget; it was abandoned. Split it into smaller requests.',
  },
  INTERNAL: { status: 500, title: 'Internal error', meaning: 'A bug in sanso; the log has the details (never the answer).' },
} as const satisfies Record<string, { status: number; title: string; meaning: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

/**
 * The pieces under the Linux parsers, each against an independent reading: address text against
 * Node's own parser, JSON positions against JSON.parse and a hand count, format detection, what
 * --lenient keeps of a rule, interface wildcards.
 */
import fc from '../property/fc.js';
import { isIPv6 } from 'node:net';
import t from 'tap';
import { parseAddressRange, parseV4, parseV6 } from '../../src/device/addresses.js';
import { expandInterfaces, interfaceMatches } from '../../src/device/interfaces.js';
import { detect as detectIptables, parseIptablesSave } from '../../src/device/iptables.js';
import { parseJsonWithPositions } from '../../src/device/json-positions.js';
import { detect as detectNft, parseNftJson } from '../../src/device/nft.js';
import type { Condition } from '../../src/device/types.js';

/** IPv6 text → bigint the long way: Node's URL parser canonicalises it, we expand the groups. */
function v6Reference(text: string): bigint {
  const canon = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const [head, tail] = canon.includes('::') ? canon.split('::') : [canon, null];
  const h = head ? head.split(':') : [];
  const tl = tail === null ? [] : tail ? tail.split(':') : [];
  const groups = tail === null ? h : [...h, ...Array<string>(8 - h.length - tl.length).fill('0'), ...tl];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

t.test('IPv6 text reads as Node reads it, for random addresses in every spelling', async (t) => {
  const groups = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 });
  fc.assert(
    fc.property(groups, fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 8 }), fc.boolean(), (g, at, len, v4tail) => {
      // Compress a run of groups (zeroed) into "::" at a random place, sometimes with a v4 tail.
      const n = Math.min(len, 8 - at);
      const z = g.map((x, i) => (i >= at && i < at + n ? 0 : x));
      let text: string;
      const hex = z.map((x) => x.toString(16));
      if (n >= 2) text = `${hex.slice(0, at).join(':')}::${hex.slice(at + n).join(':')}`;
      else text = hex.join(':');
      if (v4tail && n < 2) text = `${hex.slice(0, 6).join(':')}:${z[6]! >> 8}.${z[6]! & 255}.${z[7]! >> 8}.${z[7]! & 255}`;
      if (!isIPv6(text)) return;
      t.equal(parseV6(text), v6Reference(text), text);
    }),
    { numRuns: 300 },
  );
  for (const bad of ['1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', '::ffff:1.2.3.256', '12345::', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7::8', '1:2:3:4:5:6:7:8::9', '1:2:3:4:5:6:7:8:9::']) {
    t.equal(parseV6(bad), null, `${bad} is not an address`);
  }
});

t.test('IPv4, prefixes, masks and ranges', async (t) => {
  t.equal(parseV4('198.18.0.1'), 0xc6120001);
  t.equal(parseV4('198.18.0.256'), null);
  t.same(parseAddressRange('198.18.16.5/24'), { family: 4, range: { lo: 0xc6121000, hi: 0xc61210ff } }, 'host bits masked');
  t.same(parseAddressRange('198.18.16.0/255.255.255.0'), { family: 4, range: { lo: 0xc6121000, hi: 0xc61210ff } }, 'dotted mask');
  t.same(parseAddressRange('0.0.0.0/0'), { family: 4, range: { lo: 0, hi: 0xffffffff } });
  t.same(parseAddressRange('2001:db8::/32'), { family: 6, range: { lo: 0x20010db8n << 96n, hi: (0x20010db8n << 96n) | ((1n << 96n) - 1n) } });
  t.type(parseAddressRange('198.18.0.9-198.18.0.1'), 'string', 'upside-down range');
  t.type(parseAddressRange('198.18.0.0/33'), 'string');
  t.type(parseAddressRange('198.18.0.0/255.0.255.0'), 'string', 'non-contiguous mask');
});

t.test('JSON positions: every object where it begins, values as JSON.parse gives them', async (t) => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), fc.boolean(), (v, pretty) => {
      const text = JSON.stringify(v, null, pretty ? 2 : undefined) ?? 'null';
      const doc = parseJsonWithPositions(text);
      t.same(doc.value, JSON.parse(text));
      const walk = (x: unknown): void => {
        if (typeof x !== 'object' || x === null) return;
        const off = doc.offsets.get(x)!;
        if (text[off] !== (Array.isArray(x) ? '[' : '{')) throw new Error(`offset ${off} of ${JSON.stringify(x)} is "${text[off]}"`);
        const { line, col } = doc.position(off);
        const lines = text.split('\n');
        if (lines[line - 1]![col - 1] !== text[off]) throw new Error(`line ${line} col ${col} is not the object`);
        for (const y of Array.isArray(x) ? x : Object.values(x)) walk(y);
      };
      walk(doc.value);
    }),
    { numRuns: 200 },
  );
  t.throws(() => parseJsonWithPositions('{"a": [1, 2,]}'));
  t.throws(() => parseJsonWithPositions('{"a": 1} x'));
  t.throws(() => parseJsonWithPositions('['.repeat(1000)), 'deep nesting is an error, not a stack overflow');
});

t.test('format detection', async (t) => {
  t.ok(detectIptables('*filter\n:FORWARD DROP [0:0]\nCOMMIT\n'));
  t.notOk(detectIptables('{"nftables": []}'));
  t.ok(detectNft('  {"nftables": [{"metainfo": {}}]}'));
  t.notOk(detectNft('*filter\nCOMMIT\n'));
});

t.test('--lenient keeps a rule without the condition it cannot read', async (t) => {
  const text = '# Generated by iptables-save\n*filter\n:FORWARD DROP [0:0]\n-A FORWARD -p tcp -m tcp --dport 22 -m limit --limit 3/min -j ACCEPT\n-A FORWARD -j NFQUEUE\nCOMMIT\n';
  const strict = parseIptablesSave(text, 'f', { lenient: false });
  t.same(
    strict.problems.map((p) => p.severity),
    ['error', 'error'],
  );
  const lenient = parseIptablesSave(text, 'f', { lenient: true });
  t.same(
    lenient.problems.map((p) => p.severity),
    ['warning', 'warning'],
  );
  const rules = lenient.devices[0]!.chains.get('FORWARD')!.rules;
  t.same(
    rules[0]!.conditions.map((c: Condition) => c.kind),
    ['service', 'service'],
    'the limit is left out, the port kept',
  );
  t.same(rules[0]!.target, { kind: 'accept' });
  t.same(rules[1]!.target, { kind: 'continue' }, 'an unknown target decides nothing');
  const nft = parseNftJson(
    JSON.stringify({
      nftables: [
        { table: { family: 'ip', name: 'f' } },
        { chain: { family: 'ip', table: 'f', name: 'fw', type: 'filter', hook: 'forward', prio: 0, policy: 'drop' } },
        { rule: { family: 'ip', table: 'f', chain: 'fw', handle: 9, expr: [{ match: { op: '==', left: { meta: { key: 'mark' } }, right: 1 } }, { accept: null }] } },
      ],
    }),
    'n.json',
    { lenient: true },
  );
  t.equal(nft.problems[0]?.severity, 'warning');
  t.match(nft.problems[0]?.message, 'table ip f chain fw handle 9');
  t.same(nft.devices[0]!.chains.get('ip f fw')!.rules[0]!.conditions, []);
});

t.test('interface wildcards expand over the names known, exactly', async (t) => {
  t.ok(interfaceMatches('lan+', 'lan0'));
  t.ok(interfaceMatches('lan+', 'lan'));
  t.notOk(interfaceMatches('lan+', 'la'));
  t.notOk(interfaceMatches('lan0', 'lan00'));
  t.ok(interfaceMatches('+', 'anything'));
  const text = '# Generated by iptables-save\n*filter\n:FORWARD DROP [0:0]\n-A FORWARD -i lan+ ! -o wan+ -j ACCEPT\nCOMMIT\n';
  const d = expandInterfaces(parseIptablesSave(text, 'f', { lenient: false }).devices[0]!, ['lan0', 'lan1', 'wan0', 'dmz']);
  t.same(d.chains.get('FORWARD')!.rules[0]!.conditions, [
    { kind: 'in', names: ['lan0', 'lan1'], negate: false },
    { kind: 'out', names: ['wan0'], negate: true },
  ]);
});

/**
 * The allocation-free flow parser: addresses (strict IPv4, every IPv6 spelling, ::ffff:v4) and
 * flow services, against hand-written cases and, for IPv6, random addresses in random spellings.
 */
import fc from '../property/fc.js';
import { runs } from '../property/settings.js';
import t from 'tap';
import { compressV6 } from '../../src/model/cidr.js';
import { FLOW_ERRORS, FlowResult, parseAddress, parseFlowService, resolveFlow } from '../../src/lookup/flow.js';
import { compile } from '../../src/compile/compile.js';
import { modelOf, AS_OF } from '../compile/model.js';

const words = new Uint32Array(4);

function value(text: string): bigint | string {
  const err = parseAddress(text, words);
  if (err !== null) return err;
  return (BigInt(words[0]!) << 96n) | (BigInt(words[1]!) << 64n) | (BigInt(words[2]!) << 32n) | BigInt(words[3]!);
}

const MAPPED = 0xffffn << 32n;

t.test('IPv4, strict', async (t) => {
  t.equal(value('10.20.1.5'), MAPPED | 0x0a140105n);
  t.equal(value('0.0.0.0'), MAPPED);
  t.equal(value('255.255.255.255'), MAPPED | 0xffffffffn);
  t.equal(value('128.0.0.1'), MAPPED | 0x80000001n, 'high bit set stays unsigned');
  t.equal(value('010.0.0.1'), FLOW_ERRORS.leadingZero);
  t.equal(value('10.0.0.01'), FLOW_ERRORS.leadingZero);
  t.equal(value('10.0.0.00'), FLOW_ERRORS.leadingZero);
  t.equal(value('10.0.0.256'), FLOW_ERRORS.octetRange);
  t.equal(value('999.0.0.1'), FLOW_ERRORS.octetRange);
  for (const bad of ['10.0.0', '10.0.0.1.2', '10..0.1', '10.0.0.', '.10.0.0.1', '10.0.0.1 ', ' 10.0.0.1', '1000.0.0.1', 'a.b.c.d', '10.0.0.1/32', '0x0a.0.0.1', '10.0.0.-1']) {
    t.equal(value(bad), FLOW_ERRORS.address, `"${bad}"`);
  }
  t.equal(value(''), FLOW_ERRORS.empty);
  t.equal(value('10.0.0.1%eth0'), FLOW_ERRORS.zone, 'a zone id');
});

t.test('IPv6 spellings', async (t) => {
  t.equal(value('::'), 0n);
  t.equal(value('::1'), 1n);
  t.equal(value('1::'), 1n << 112n);
  t.equal(value('fd00:20::5'), (0xfd00n << 112n) | (0x20n << 96n) | 5n);
  t.equal(value('FD00:0020:0000:0000:0000:0000:0000:0005'), (0xfd00n << 112n) | (0x20n << 96n) | 5n, 'full, upper case, leading zeros in groups');
  t.equal(value('1:2:3:4:5:6:7:8'), 0x0001000200030004000500060007_0008n);
  t.equal(value('1:2:3:4:5:6:7::'), 0x0001000200030004000500060007_0000n, ':: for one group');
  t.equal(value('::2:3:4:5:6:7:8'), 0x0000000200030004000500060007_0008n);
  t.equal(value('::ffff:10.20.1.5'), MAPPED | 0x0a140105n, 'mapped with a dotted tail');
  t.equal(value('::ffff:a14:105'), MAPPED | 0x0a140105n, 'mapped in hex');
  t.equal(value('64:ff9b::192.0.2.33'), (0x64n << 112n) | (0xff9bn << 96n) | 0xc0000221n, 'an IPv4 tail elsewhere');
  t.equal(value('1:2:3:4:5:6:1.2.3.4'), 0x0001000200030004000500060102_0304n, 'eight groups with a dotted tail');
  t.equal(value('fe80::1%eth0'), FLOW_ERRORS.zone);
  t.equal(value('::ffff:010.20.1.5'), FLOW_ERRORS.leadingZero, 'the dotted tail is strict too');
  t.equal(value('::ffff:10.20.1.256'), FLOW_ERRORS.octetRange);
  for (const bad of [
    ':',
    ':::',
    '1:::2',
    '1::2::3',
    ':1::',
    '1::2:',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8::',
    '12345::',
    'g::',
    '::ffff:10.20.1',
    '::1.2.3.4:5',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::ffff:1.2.3.4.5',
    '1:',
    ':1',
    'fd00:20::5 ',
    '::x',
  ]) {
    t.equal(value(bad), FLOW_ERRORS.v6, `"${bad}"`);
  }
});

t.test('IPv6: random addresses in random spellings parse to themselves', async (t) => {
  const spell = (v: bigint, how: number): string => {
    const groups = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
    if (how === 0) return compressV6(v);
    if (how === 1)
      return groups
        .map((g) => g.padStart(4, '0'))
        .join(':')
        .toUpperCase();
    if (how === 2) return groups.join(':');
    const low = Number(v & 0xffffffffn);
    return `${groups.slice(0, 6).join(':')}:${low >>> 24}.${(low >>> 16) & 255}.${(low >>> 8) & 255}.${low & 255}`;
  };
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 3 }), fc.boolean(), (v0, how, zeros) => {
      // Runs of zero groups, so that :: appears often.
      const v = zeros ? v0 & ~(0xffffffffn << 48n) : v0;
      return value(spell(v, how)) === v;
    }),
    { numRuns: runs(2000) },
  );
  t.pass('property held');
});

t.test('flow services', async (t) => {
  const out = new FlowResult();
  const ok = (s: string, proto: number, port: number) => {
    t.equal(parseFlowService(s, out), null, s);
    t.same([out.proto, out.port], [proto, port], s);
  };
  ok('tcp/443', 6, 443);
  ok('tcp/1', 6, 1);
  ok('tcp/65535', 6, 65535);
  ok('udp/53', 17, 53);
  ok('icmp', 1, 0);
  ok('icmpv6', 58, 0);
  ok('proto/47', 47, 0);
  ok('proto/0', 0, 0);
  ok('proto/255', 255, 0);
  ok('proto/1', 1, 0);
  const bad: [string, string][] = [
    ['tcp', FLOW_ERRORS.needsPort],
    ['udp', FLOW_ERRORS.needsPort],
    ['tcp/', FLOW_ERRORS.portNumber],
    ['tcp/0', FLOW_ERRORS.portRange],
    ['tcp/65536', FLOW_ERRORS.portRange],
    ['tcp/99999', FLOW_ERRORS.portRange],
    ['tcp/123456', FLOW_ERRORS.portNumber],
    ['tcp/0443', FLOW_ERRORS.portNumber],
    ['tcp/44a', FLOW_ERRORS.portNumber],
    ['tcp/80-90', FLOW_ERRORS.onePort],
    ['tcpx/80', FLOW_ERRORS.service],
    ['TCP/443', FLOW_ERRORS.service],
    ['icmp/3', FLOW_ERRORS.noPort],
    ['icmpv6/1', FLOW_ERRORS.noPort],
    ['proto/47/1', FLOW_ERRORS.noPort],
    ['proto/6', FLOW_ERRORS.protoHasPorts],
    ['proto/17', FLOW_ERRORS.protoHasPorts],
    ['proto/256', FLOW_ERRORS.protoNumber],
    ['proto/047', FLOW_ERRORS.protoNumber],
    ['proto/', FLOW_ERRORS.protoNumber],
    ['any', FLOW_ERRORS.any],
    ['https', FLOW_ERRORS.service],
    ['', FLOW_ERRORS.empty],
  ];
  for (const [s, why] of bad) t.equal(parseFlowService(s, out), why, `"${s}"`);
});

t.test('resolveFlow reports the field', async (t) => {
  const table = compile(modelOf('segments:\n  - name: a\n    tier: lgwan\n    cidrs: [10.0.0.0/8]\n'), { asOf: AS_OF });
  const out = new FlowResult();
  t.notOk(resolveFlow(table, '10.0.0.1', '10.0.0.256', 'tcp/1', out));
  t.same([out.field, out.reason, out.decision], ['dst', FLOW_ERRORS.octetRange, -1]);
  t.notOk(resolveFlow(table, 'x', '10.0.0.1', 'tcp/1', out));
  t.equal(out.field, 'src');
  t.notOk(resolveFlow(table, '10.0.0.1', '10.0.0.2', 'tcp', out));
  t.same([out.field, out.reason], ['service', FLOW_ERRORS.needsPort]);
  t.ok(resolveFlow(table, '10.0.0.1', '10.0.0.2', 'tcp/5', out));
  t.same([out.field, out.reason, out.srcSeg, out.dstSeg, out.proto, out.port], [null, null, 0, 0, 6, 5], 'a success clears the error');
});

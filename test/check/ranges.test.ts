/**
 * The range helpers of the checker, on values worked out by hand from the service key space
 * (key = proto * 65536 + port; tcp = 6, udp = 17, icmp = 1, icmpv6 = 58) and the IPv4-mapped
 * block ::ffff:0:0/96.
 */
import t from 'tap';
import { RANKED, firstFlowKey, mergeRanges, preferredFlowKey, splitMapped } from '../../src/check/ranges.js';

const K = (proto: number, port: number) => proto * 65536 + port;
const MAPPED = 0xffffn << 32n;

t.test('firstFlowKey skips keys that are no flow', async (t) => {
  t.equal(firstFlowKey(0, 10), 0, 'proto/0 is a flow');
  t.equal(firstFlowKey(1, K(1, 0) - 1), -1, 'ports of a port-less protocol only');
  t.equal(firstFlowKey(1, K(1, 0)), K(1, 0), 'then icmp');
  t.equal(firstFlowKey(K(5, 7), K(6, 0)), -1, 'proto/5 ports and tcp/0 are no flows');
  t.equal(firstFlowKey(K(5, 7), K(6, 1)), K(6, 1));
  t.equal(firstFlowKey(K(6, 0), K(6, 0)), -1, 'tcp/0');
  t.equal(firstFlowKey(K(6, 65535), K(7, 3)), K(6, 65535));
  t.equal(firstFlowKey(K(17, 0), K(17, 9)), K(17, 1));
  t.equal(firstFlowKey(K(255, 1), K(255, 65535)), -1);
});

t.test('preferredFlowKey: tcp, udp, icmp, icmpv6, then others', async (t) => {
  const any = [0, 256 * 65536 - 1] as const;
  t.equal(preferredFlowKey(...any), K(6, 1), 'any → tcp/1');
  t.equal(preferredFlowKey(K(7, 0), K(255, 65535)), RANKED + K(17, 1), 'no tcp → udp/1');
  t.equal(preferredFlowKey(K(18, 0), K(255, 0)), 3 * RANKED + K(58, 0), 'icmpv6 over other protocols');
  t.equal(preferredFlowKey(0, K(5, 0)), 2 * RANKED + K(1, 0), 'icmp over proto/0');
  t.equal(preferredFlowKey(K(47, 0), K(50, 0)), 4 * RANKED + K(47, 0));
  t.equal(preferredFlowKey(K(6, 80), K(6, 90)), K(6, 80));
  t.equal(preferredFlowKey(K(47, 1), K(47, 9)), -1);
  t.ok(2 * RANKED + K(1, 0) < 3 * RANKED + K(58, 0) && RANKED + K(17, 65535) < 2 * RANKED, 'ranks order before keys');
});

t.test('splitMapped cuts ::ffff:0:0/96 out as IPv4', async (t) => {
  const all = (1n << 128n) - 1n;
  t.same(splitMapped(0n, all), {
    v6: [
      { lo: 0n, hi: MAPPED - 1n },
      { lo: MAPPED + 0x1_0000_0000n, hi: all },
    ],
    mapped: { lo: 0, hi: 0xffffffff },
  });
  t.same(splitMapped(MAPPED + 0x0a000000n, MAPPED + 0x0affffffn), { v6: [], mapped: { lo: 0x0a000000, hi: 0x0affffff } });
  t.same(splitMapped(1n, 1n), { v6: [{ lo: 1n, hi: 1n }], mapped: null });
  t.same(splitMapped(MAPPED - 1n, MAPPED), { v6: [{ lo: MAPPED - 1n, hi: MAPPED - 1n }], mapped: { lo: 0, hi: 0 } });
  t.same(splitMapped(MAPPED + 0xffffffffn, MAPPED + 0x1_0000_0000n), {
    v6: [{ lo: MAPPED + 0x1_0000_0000n, hi: MAPPED + 0x1_0000_0000n }],
    mapped: { lo: 0xffffffff, hi: 0xffffffff },
  });
});

t.test('mergeRanges joins overlapping and adjacent ranges, numbers and bigints', async (t) => {
  t.same(
    mergeRanges([
      { lo: 5, hi: 9 },
      { lo: 0, hi: 3 },
      { lo: 4, hi: 4 },
      { lo: 20, hi: 30 },
      { lo: 25, hi: 26 },
    ]),
    [
      { lo: 0, hi: 9 },
      { lo: 20, hi: 30 },
    ],
  );
  t.same(
    mergeRanges([
      { lo: 10n, hi: 20n },
      { lo: 22n, hi: 23n },
      { lo: 21n, hi: 21n },
    ]),
    [{ lo: 10n, hi: 23n }],
  );
  t.same(
    mergeRanges([
      { lo: 0, hi: 1 },
      { lo: 3, hi: 4 },
    ]),
    [
      { lo: 0, hi: 1 },
      { lo: 3, hi: 4 },
    ],
  );
  t.same(mergeRanges([]), []);
});

/**
 * The table's compact layouts: /24s cut into intervals (a level-2 entry packs up to four starts
 * inside its /24 and bounds the search over more), and decision vectors stored as runs
 * (a per-class search and a whole-vector expansion must agree, and runs are maximal).
 */
import t from 'tap';
import { V4_L2_COUNT_BITS, V4_L2_PACKED } from '../../src/compile/addresses.js';
import { compile } from '../../src/compile/compile.js';
import type { DecisionTable } from '../../src/lookup/table.js';
import { loadPolicy } from '../../src/policy.js';
import { AS_OF, modelOf } from '../compile/model.js';

interface Cidr {
  text: string;
  first: number;
  last: number;
  prefix: number;
}

/**
 * Each CIDR its own lgwan segment (so no two intervals merge), compiled; counts the addresses
 * of [from, to] whose segment4 differs from a naive longest-prefix match over the list, passing
 * each address both unsigned and signed.
 */
function wrongSegments(cidrs: readonly Cidr[], from: number, to: number): { wrong: number; intervals: number; table: DecisionTable } {
  const yaml = `segments:\n${cidrs.map((c, i) => `  - name: s${i}\n    tier: lgwan\n    cidrs: ["${c.text}"]\n`).join('')}`;
  const model = modelOf(yaml);
  const table = compile(model, { asOf: AS_OF });
  const naive = (a: number): number => {
    let best = model.outside;
    let bestPrefix = -1;
    cidrs.forEach((c, i) => {
      if (a >= c.first && a <= c.last && c.prefix > bestPrefix) {
        best = i;
        bestPrefix = c.prefix;
      }
    });
    return best;
  };
  let wrong = 0;
  for (let a = from; a <= to; a++) if (table.segment4(a) !== naive(a) || table.segment4(a | 0) !== naive(a)) wrong++;
  return { wrong, intervals: table.stats.intervals4, table };
}

t.test('segment4 in /24s holding few and many intervals = naive longest prefix match', async (t) => {
  // 10.1.2.0/24: 40 host routes inside a /25; 10.1.3.0/24: two, i.e. a short scan.
  const hosts = [...new Set(Array.from({ length: 40 }, (_, i) => (i * 37 + 11) % 256))];
  const cidrs: Cidr[] = [
    ...hosts.map((h) => ({ text: `10.1.2.${h}/32`, first: 0x0a010200 + h, last: 0x0a010200 + h, prefix: 32 })),
    { text: '10.1.2.0/25', first: 0x0a010200, last: 0x0a01027f, prefix: 25 },
    { text: '10.1.3.17/32', first: 0x0a010311, last: 0x0a010311, prefix: 32 },
    { text: '10.1.3.200/30', first: 0x0a0103c8, last: 0x0a0103cb, prefix: 30 },
    { text: '10.0.0.0/8', first: 0x0a000000, last: 0x0affffff, prefix: 8 },
  ];
  const { wrong, intervals } = wrongSegments(cidrs, 0x0a010100, 0x0a0104ff);
  t.equal(wrong, 0, 'every address of 10.1.1.0 – 10.1.4.255');
  t.ok(intervals > 80, `the /24 is cut into many intervals (${intervals} in all)`);
});

t.test('segment4 in /24s with 0 to 9 host routes each (packed and searched) = naive longest prefix match', async (t) => {
  // 10.2.k.0/24 holds k host routes (k = 0 … 9) at .1, .255 and in between, so every count of
  // starts on either side of the packed limit (addresses.ts V4_L2_PACKED) is decided, edges included.
  const cidrs: Cidr[] = [{ text: '10.2.0.0/16', first: 0x0a020000, last: 0x0a02ffff, prefix: 16 }];
  for (let k = 0; k <= 9; k++) {
    const hosts = [...new Set([1, 255, ...Array.from({ length: k }, (_, j) => 2 + ((j * 53 + k * 17) % 250))])].slice(0, k);
    for (const h of hosts) {
      const a = 0x0a020000 + k * 256 + h;
      cidrs.push({ text: `10.2.${k}.${h}/32`, first: a, last: a, prefix: 32 });
    }
  }
  const { wrong, table } = wrongSegments(cidrs, 0x0a020000, 0x0a0209ff);
  t.equal(wrong, 0, 'every address of 10.2.0.0 – 10.2.9.255');
  // The starts each /24's level-2 entry counts: both sides of the packed limit must be there.
  const block = ~table.v4L1[0x0a02]!;
  const counts = Array.from({ length: 10 }, (_, k) => table.v4L2[(block * 256 + k) * 2]! & ((1 << V4_L2_COUNT_BITS) - 1));
  t.ok(counts.some((c) => c === 0) && counts.some((c) => c > 0 && c <= V4_L2_PACKED) && counts.some((c) => c > V4_L2_PACKED), `starts per /24: ${counts.join(', ')}`);
});

t.test('vectors as runs: cellOfVector = vectorCells, runs are maximal and start at class 0', async (t) => {
  const { table } = loadPolicy(['rules/'], { asOf: '2026-06-01' }).policy!;
  const n = table.serviceClasses;
  const cells = new Int32Array(n);
  let mismatches = 0;
  let badRuns = 0;
  for (let v = 0; v < table.vectorCount; v++) {
    table.vectorCells(v, cells);
    for (let c = 0; c < n; c++) if (table.cellOfVector(v, c) !== cells[c]) mismatches++;
    const from = table.vectorRuns[v]!;
    const to = table.vectorRuns[v + 1]!;
    if (to <= from || table.runs[from << 1] !== 0) badRuns++;
    for (let k = from + 1; k < to; k++) {
      if (table.runs[k << 1]! <= table.runs[(k - 1) << 1]! || table.runs[(k << 1) + 1] === table.runs[((k - 1) << 1) + 1]) badRuns++;
    }
  }
  t.ok(table.vectorCount > 1, `${table.vectorCount} vectors`);
  t.equal(mismatches, 0, 'every cell of every vector');
  t.equal(badRuns, 0, 'runs ascend, differ from their neighbour, first starts at class 0');
});

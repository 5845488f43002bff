/**
 * The zone matrix is read off the table; here it is held against decisions made one flow at a
 * time: every entry of every cell of the sample city, tried at the lowest address of each of the
 * two segments with the entry's own witness service, must decide exactly as the entry says.
 */
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '../../src/policy.js';
import { ZoneMatrix, CELL_KINDS } from '../../src/matrix/matrix.js';
import { formatServiceRanges, parseServiceRange } from '../../src/model/services.js';
import { tableIndex } from '../../src/check/ranges.js';
import { formatAddress } from '../../src/model/cidr.js';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';

const RULES = fileURLToPath(new URL('../../rules', import.meta.url));

t.test('every cell entry of the sample city decides as the matrix says', async (t) => {
  const { policy } = loadPolicy([RULES], { asOf: '2026-11-25' });
  if (!policy) throw new Error('sample city did not load');
  const table = policy.table;
  const m = new ZoneMatrix(table);
  const ix = tableIndex(table);
  const full = m.segments();
  const out = new FlowResult();
  let checked = 0;
  const kinds = new Set<string>();
  full.cells.forEach((row, i) =>
    row.forEach((s, j) => {
      const src = full.segments[i]!;
      const dst = full.segments[j]!;
      const a = ix.low4[src.index]! >= 0 ? formatAddress(4, BigInt(ix.low4[src.index]!)) : null;
      const b = ix.low4[dst.index]! >= 0 ? formatAddress(4, BigInt(ix.low4[dst.index]!)) : null;
      if (a === null || b === null) return;
      const sum = full.summaries[s]!;
      kinds.add(sum.kind);
      t.equal(sum.kind, sum.entries[0]!.kind, `${src.name} → ${dst.name}: the colour is the first entry's`);
      for (const e of sum.entries) {
        t.ok(resolveFlow(table, a, b, e.witnessService, out), `${a} ${b} ${e.witnessService} resolves`);
        const r = table.decision(out.decision);
        t.same([r.decision, r.code, r.ruleId], [e.decision, e.code, e.rule], `${src.name} → ${dst.name} ${e.witnessService}`);
        checked++;
      }
    }),
  );
  t.ok(checked > 500, `checked ${checked} entries`);
  // The sample city shows every colour but the α′ breakout.
  for (const k of CELL_KINDS) if (k !== 'breakout') t.ok(kinds.has(k), `some cell is ${k}`);
});

t.test('the tier matrix counts every segment pair once', async (t) => {
  const { policy } = loadPolicy([RULES], { asOf: '2026-11-25' });
  const m = new ZoneMatrix(policy!.table);
  const tiers = m.tiers();
  const n = policy!.model.segments.length;
  const total = tiers.reduce((s, c) => s + Object.values(c.counts).reduce((x, y) => x + y, 0), 0);
  t.equal(total, n * n);
  const lgInet = tiers.find((c) => c.src === 'lgwan' && c.dst === 'internet')!;
  t.ok(lgInet.methods.length > 0, 'LGWAN → internet crosses through sanitizers');
  t.ok(lgInet.ceilings.includes('SPLIT-PATH'), 'and is otherwise split');
  const mn = tiers.find((c) => c.src === 'mynumber' && c.dst === 'internet')!;
  t.equal(mn.kind, 'ceiling');
});

t.test('service ranges read as rule files write them', async (t) => {
  const r = (...texts: string[]) =>
    texts.map((x) => {
      const p = parseServiceRange(x);
      if (!p.ok) throw new Error(p.reason);
      return p.range;
    });
  t.same(formatServiceRanges(r('tcp/443', 'tcp/444', 'tcp/445', 'udp/53')), ['tcp/443-445', 'udp/53']);
  t.same(formatServiceRanges(r('any')), ['any']);
  t.same(formatServiceRanges(r('tcp', 'icmp')), ['icmp', 'tcp']);
  t.same(formatServiceRanges(r('proto/47', 'proto/48', 'proto/50')), ['proto/47-48', 'proto/50']);
  // tcp port 0 is no flow service: a range from tcp/0 reads as every tcp port.
  t.same(formatServiceRanges([{ lo: 6 * 65536, hi: 6 * 65536 + 65535 }]), ['tcp']);
  // Everything but tcp/22.
  t.same(
    formatServiceRanges([
      { lo: 0, hi: 6 * 65536 + 21 },
      { lo: 6 * 65536 + 23, hi: 256 * 65536 - 1 },
    ]).slice(0, 4),
    ['proto/0', 'icmp', 'proto/2-5', 'tcp/1-21'],
  );
});

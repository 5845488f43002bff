/**
 * refine (src/audit/refine.ts) against the naive partition: two intervals share a class exactly
 * when they share their initial class and lie in the same sets. Initial classes are codes such as
 * (family, interface) that may exceed the number of intervals, which once ran the refinement out
 * of class ids and merged a split interval into class 0 (found by test/audit/property.test.ts).
 */
import fc from '../property/fc.js';
import t from 'tap';
import { bitList, refine } from '../../src/audit/refine.js';
import { runs } from '../property/settings.js';

/** Naive: the signature of each interval, and whether two intervals agree on it. */
function sameClass(initial: Int32Array, sets: readonly Int32Array[], i: number, j: number): boolean {
  if (initial[i] !== initial[j]) return false;
  const inside = (spans: Int32Array, x: number) => {
    for (let k = 0; k < spans.length; k += 2) if (x >= spans[k]! && x <= spans[k + 1]!) return true;
    return false;
  };
  return sets.every((s) => inside(s, i) === inside(s, j));
}

function check(initial: Int32Array, sets: Int32Array[]): boolean {
  const r = refine(initial, sets);
  const n = initial.length;
  for (let i = 0; i < n; i++) {
    if (initial[i]! < 0) {
      if (r.cls[i] !== -1) return false;
      continue;
    }
    if (r.cls[i]! < 0 || r.cls[i]! >= r.classes) return false;
    for (let j = 0; j < n; j++) if (initial[j]! >= 0 && (r.cls[i] === r.cls[j]) !== sameClass(initial, sets, i, j)) return false;
  }
  // members: a class is in a set's bits exactly when its intervals are in the set.
  return sets.every((s, k) => {
    const inSet = new Set<number>();
    for (let q = 0; q < s.length; q += 2) for (let x = s[q]!; x <= s[q + 1]!; x++) if (r.cls[x]! >= 0) inSet.add(r.cls[x]!);
    return JSON.stringify(bitList(r.members[k]!, r.classes)) === JSON.stringify([...inSet].sort((a, b) => a - b));
  });
}

t.test('initial class ids beyond the number of intervals: every split gets an id of its own', async (t) => {
  // Four intervals, initial codes 1 and 3; one set cuts both initial classes.
  const initial = Int32Array.from([1, 1, 3, 3]);
  const r = refine(initial, [Int32Array.from([1, 1, 2, 2])]);
  t.equal(r.classes, 4);
  t.same(Array.from(r.cls), [0, 1, 2, 3]);
  t.ok(check(initial, [Int32Array.from([1, 1, 2, 2])]));
});

t.test('refine is the naive partition by initial class and set membership', async () => {
  const arb = fc.integer({ min: 1, max: 24 }).chain((n) =>
    fc.record({
      initial: fc.array(fc.integer({ min: -1, max: 40 }), { minLength: n, maxLength: n }),
      sets: fc.array(
        fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { minLength: 1, maxLength: 4 }).map((spans) => Int32Array.from(spans.flatMap(([a, b]) => (a <= b ? [a, b] : [b, a])))),
        { maxLength: 6 },
      ),
    }),
  );
  fc.assert(
    fc.property(arb, ({ initial, sets }) => check(Int32Array.from(initial), sets)),
    { numRuns: runs(500) },
  );
});

/**
 * The class-pair map (compile/pairs.ts builds, lookup/pair-map.ts reads) against the plain matrix
 * it stands for: random matrices, bases and predictions, good and wrong, and shapes whose pair
 * count is no multiple of 32. The rank is recounted naively here, bit by bit.
 */
import fc from '../property/fc.js';
import { runs } from '../property/settings.js';
import t from 'tap';
import { packPairs } from '../../src/compile/pairs.js';
import { pairVector, popcount32 } from '../../src/lookup/pair-map.js';

t.test('popcount32 = the bits counted one by one', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (x) => {
      let n = 0;
      for (let b = 0; b < 32; b++) n += (x >>> b) & 1;
      return popcount32(x) === n;
    }),
    { numRuns: runs(2000) },
  );
  t.equal(popcount32(-1), 32);
  t.equal(popcount32(0), 0);
});

interface Case {
  rows: number;
  cols: number;
  rowBases: number[];
  colBases: number[];
  matrix: number[];
  /** Per (row base, column base): the vector the prediction offers, or -1 for unknown. */
  guess: Map<string, number>;
  wide: boolean;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    rows: fc.integer({ min: 1, max: 40 }),
    cols: fc.integer({ min: 1, max: 70 }),
    bases: fc.integer({ min: 1, max: 6 }),
    vectors: fc.integer({ min: 1, max: 12 }),
    wide: fc.boolean(),
  })
  .chain(({ rows, cols, bases, vectors, wide }) => {
    const top = wide ? 70000 + vectors : vectors;
    return fc.record({
      rows: fc.constant(rows),
      cols: fc.constant(cols),
      rowBases: fc.array(fc.integer({ min: 0, max: bases - 1 }), { minLength: rows, maxLength: rows }),
      colBases: fc.array(fc.integer({ min: 0, max: bases - 1 }), { minLength: cols, maxLength: cols }),
      // Mostly one vector per base pair, some pairs anything: what rules do to a table.
      noise: fc.array(fc.integer({ min: 0, max: top }), { minLength: rows * cols, maxLength: rows * cols }),
      exceptional: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: rows * cols, maxLength: rows * cols }),
      guesses: fc.array(fc.integer({ min: -1, max: top }), { minLength: bases * bases, maxLength: bases * bases }),
      wide: fc.constant(wide),
      bases: fc.constant(bases),
    });
  })
  .map(({ rows, cols, rowBases, colBases, noise, exceptional, guesses, wide, bases }) => {
    const matrix: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const usual = Math.abs(guesses[rowBases[r]! * bases + colBases[c]!]!);
        matrix.push(exceptional[i] === 0 ? noise[i]! : usual);
      }
    }
    const guess = new Map<string, number>();
    for (let a = 0; a < bases; a++) for (let b = 0; b < bases; b++) guess.set(`${a},${b}`, guesses[a * bases + b]!);
    return { rows, cols, rowBases, colBases, matrix, guess, wide };
  });

t.test('every pair reads back its vector, whatever the prediction', async (t) => {
  let checked = 0;
  fc.assert(
    fc.property(caseArb, (k) => {
      const map = packPairs(Uint32Array.from(k.matrix), k.rows, k.cols, k.rowBases, k.colBases, (a, b) => k.guess.get(`${a},${b}`)!, k.wide);
      let set = 0;
      for (let i = 0; i < k.rows * k.cols; i++) {
        const w = (i >>> 5) << 1;
        // The running count before each word: the bits set in all pairs before it.
        if ((i & 31) === 0 && map.bits[w + 1] !== set) return false;
        if ((map.bits[w]! >>> (i & 31)) & 1) {
          if (map.vectors[set] !== k.matrix[i]) return false; // packed in pair order
          set++;
        } else if (map.baseVectors[map.rowBase[(i / k.cols) | 0]! + map.colBase[i % k.cols]!] !== k.matrix[i]) return false;
        checked++;
      }
      if (map.vectors.length !== set) return false;
      for (let r = 0; r < k.rows; r++) {
        for (let c = 0; c < k.cols; c++) {
          if (pairVector(map, k.cols, r, c) !== k.matrix[r * k.cols + c]) return false;
        }
      }
      return true;
    }),
    { numRuns: runs(300) },
  );
  t.ok(checked > 1000, `${checked} pairs checked`);
});

t.test('a good prediction keeps only the pairs that differ from it', async (t) => {
  // 3 × 3 bases over 30 × 40 pairs, every pair its bases' vector except four.
  const rows = 30;
  const cols = 40;
  const rowBases = Array.from({ length: rows }, (_, r) => r % 3);
  const colBases = Array.from({ length: cols }, (_, c) => (c * 7) % 3);
  const of = (a: number, b: number): number => a * 3 + b;
  const matrix = new Uint32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) matrix[r * cols + c] = of(rowBases[r]!, colBases[c]!);
  const odd = [5, 77, 640, 1199];
  for (const i of odd) matrix[i] = 100 + i;
  const map = packPairs(matrix, rows, cols, rowBases, colBases, of, false);
  t.same(
    [...map.vectors],
    odd.map((i) => 100 + i),
    'the four odd pairs, in order',
  );
  t.equal(map.baseVectors.length, 9, 'one prediction per base pair');
  let wrong = 0;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (pairVector(map, cols, r, c) !== matrix[r * cols + c]) wrong++;
  t.equal(wrong, 0);
});

t.test('too many bases for the pairs: one prediction, still exact', async (t) => {
  // 100 × 100 base pairs for 100 × 100 pairs: a prediction each would outweigh the bitmap.
  const rows = 100;
  const cols = 100;
  const rowBases = Array.from({ length: rows }, (_, r) => r);
  const colBases = Array.from({ length: cols }, (_, c) => 100 + c);
  const matrix = Uint32Array.from({ length: rows * cols }, (_, i) => (i * 2654435761) % 5);
  const map = packPairs(matrix, rows, cols, rowBases, colBases, () => 3, false);
  t.equal(map.baseVectors.length, 1, 'a single prediction');
  let wrong = 0;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (pairVector(map, cols, r, c) !== matrix[r * cols + c]) wrong++;
  t.equal(wrong, 0);
  t.ok(map.vectors.length > 0 && map.vectors.length < rows * cols, `${map.vectors.length} pairs differ from it`);
});

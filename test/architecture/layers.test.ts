/**
 * Lower layers never import higher ones (docs/architecture.md): the real tree keeps the map in
 * test/architecture/layers.ts, and the checker itself catches each kind of violation.
 */
import t from 'tap';
import { checkLayers, checkTree, importsOf, layerOf, LAYERS, sourceFiles, type Edge } from './layers.js';

t.test('src/ keeps the layer map: no upward or sideways import, no cycle, no unclaimed file', async (t) => {
  t.same(checkTree('.'), []);
});

t.test('every declared layer that exists claims files, and the map knows every directory', async (t) => {
  const files = sourceFiles('.');
  t.ok(files.length > 50, 'the walk finds the source');
  for (const name of ['leaves', 'source', 'model', 'lookup', 'compile', 'validate', 'policy', 'check', 'report', 'http', 'cli']) {
    t.ok(
      files.some((f) => layerOf(f)?.name === name),
      `${name} claims a file`,
    );
  }
  t.equal(layerOf('src/lookup/decision.ts')?.name, 'leaves', 'a file entry beats its directory');
  t.equal(layerOf('src/audit/x.ts')?.name, 'audit', 'directories other branches add are declared');
  t.equal(layerOf('src/unknown/x.ts'), null);
});

t.test('imports are read in every form the code uses', async (t) => {
  const text = [
    "import t from 'tap';",
    "import { a,\n  b } from '../model/cidr.js';",
    "import type { X } from '../lookup/table.js';",
    "export { y } from './y.js';",
    "export type { Z } from '../problems/codes.js';",
    "import './side-effect.js';",
    "const m = await import('../policy.js');",
    "// a comment that says from '../nowhere.js' is not at a statement start",
  ].join('\n');
  const edges = importsOf('src/check/x.ts', text);
  t.same(
    edges.map((e) => [e.to, e.typeOnly, e.line]),
    [
      ['src/model/cidr.ts', false, 2],
      ['src/lookup/table.ts', true, 4],
      ['src/check/y.ts', false, 5],
      ['src/problems/codes.ts', true, 6],
      ['src/check/side-effect.ts', false, 7],
      ['src/policy.ts', false, 8],
    ],
  );
});

const edge = (from: string, to: string, typeOnly = false): Edge => ({ from, to, typeOnly, line: 3 });

t.test('the checker finds upward and sideways imports, cycles and unclaimed files', async (t) => {
  const files = ['src/lookup/table.ts', 'src/compile/compile.ts', 'src/check/text.ts', 'src/report/text.ts', 'src/stray.ts'];
  const found = checkLayers(files, [
    edge('src/compile/compile.ts', 'src/lookup/table.ts'), // allowed: down
    edge('src/lookup/table.ts', 'src/compile/decisions.ts', true), // up, even as a type
    edge('src/check/text.ts', 'src/report/text.ts'), // sideways
    edge('src/check/text.ts', 'schemas/x.json'), // outside src/: ignored
  ]);
  t.equal(found.length, 3, found.join('\n'));
  t.match(found[0], /^src\/stray\.ts:1: no layer claims/);
  t.match(found[1], /^src\/lookup\/table\.ts:3: lookup \(level 3\) imports src\/compile\/decisions\.ts, compile \(level 4\): upwards/);
  t.match(found[2], /check \(level 7\) imports src\/report\/text\.ts, report \(level 7\): sideways/);
});

t.test('a run-time cycle inside one layer is found; a type-only one is not', async (t) => {
  const files = ['src/http/server.ts', 'src/http/routes/policy.ts'];
  t.same(checkLayers(files, [edge('src/http/server.ts', 'src/http/routes/policy.ts'), edge('src/http/routes/policy.ts', 'src/http/server.ts', true)]), []);
  const found = checkLayers(files, [edge('src/http/server.ts', 'src/http/routes/policy.ts'), edge('src/http/routes/policy.ts', 'src/http/server.ts')]);
  t.same(found, ['src/http/routes/policy.ts:1: import cycle src/http/routes/policy.ts → src/http/server.ts → src/http/routes/policy.ts']);
});

t.test('levels only grow from the leaves up to the CLI', async (t) => {
  const level = (n: string) => LAYERS.find((l) => l.name === n)!.level;
  const order = ['leaves', 'source', 'model', 'lookup', 'compile', 'validate', 'policy', 'check', 'audit', 'http', 'cli'];
  for (let i = 1; i < order.length; i++) t.ok(level(order[i - 1]!) < level(order[i]!), `${order[i - 1]} below ${order[i]}`);
});

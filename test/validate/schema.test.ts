import t from 'tap';
import type { Problem } from '../../src/problems/problem.js';
import { parseRuleBytes } from '../../src/source/read.js';
import { checkSchema, describePath, describeValue, RULES_SCHEMA, RULES_SCHEMA_ID } from '../../src/validate/schema.js';

function check(text: string) {
  const problems: Problem[] = [];
  const file = parseRuleBytes('x.yaml', Buffer.from(text), problems);
  if (!file) throw new Error(`fixture text does not parse: ${JSON.stringify(problems)}`);
  return checkSchema(file).map((p) => ({ code: p.code, at: `${p.loc.line}:${p.loc.col}`, message: p.message }));
}

type Json = { [k: string]: unknown };
/** Every subschema with its JSON pointer. */
function* walk(node: unknown, path = '#'): Generator<[string, Json]> {
  if (Array.isArray(node)) {
    for (const [i, x] of node.entries()) yield* walk(x, `${path}/${i}`);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as Json;
  yield [path, n];
  for (const k of ['properties', '$defs']) {
    const m = n[k] as Json | undefined;
    if (m) for (const [name, sub] of Object.entries(m)) yield* walk(sub, `${path}/${k}/${name}`);
  }
  for (const k of ['items', 'additionalProperties', 'propertyNames']) if (typeof n[k] === 'object') yield* walk(n[k], `${path}/${k}`);
}

t.test('the schema documents itself', async (t) => {
  t.equal(RULES_SCHEMA_ID, 'https://sanso.example/schemas/rules/v1.json');
  t.equal(RULES_SCHEMA.$schema, 'https://json-schema.org/draft/2020-12/schema');
  for (const [path, node] of walk(RULES_SCHEMA)) {
    if (/\/(properties|\$defs)\/[^/]+$/.test(path)) t.type(node.description, 'string', `${path} has a description`);
    if (node.type === 'object') {
      // services and groups are maps keyed by names the city chooses; every other object is closed
      const userMap = path === '#/properties/services' || path === '#/properties/groups';
      if (userMap) t.type(node.additionalProperties, 'object', `${path}: values have a schema`);
      else t.equal(node.additionalProperties, false, `${path} rejects unknown keys`);
    }
  }
});

t.test('names: letters and digits of any script, - _ .', async (t) => {
  const seg = (name: string) => check(`segments:\n  - name: "${name}"\n    tier: lgwan\n    cidrs: [10.0.0.0/8]\n`);
  for (const ok of ['lg-terminals', 'LG_01', 'a.b', '9f', '窓口端末', 'ネットワーク-1F', 'x'.repeat(64)]) t.same(seg(ok), [], ok);
  for (const bad of ['ｌｇ－１', '-lead', '.hidden', 'two words', 'a/b', 'a:b', 'x'.repeat(65), '']) {
    t.same(
      seg(bad).map((p) => p.code),
      ['SCHEMA-VIOLATION'],
      JSON.stringify(bad),
    );
  }
  t.same(
    seg('tier:web').map((p) => p.code),
    ['NAME-RESERVED'],
  );
});

t.test('messages name the place, the expectation and what was found', async (t) => {
  t.same(check('segments:\n  - name: a\n    tier: lgwn\n    cidrs: [10.0.0.0/8]\n'), [
    { code: 'SCHEMA-VIOLATION', at: '3:11', message: 'segments[0].tier must be one of mynumber, lgwan, internet; got "lgwn"; did you mean "lgwan"?' },
  ]);
  t.same(check('segments:\n  - name: a\n    tier: zzz\n    cidrs: [10.0.0.0/8]\n')[0]!.message, 'segments[0].tier must be one of mynumber, lgwan, internet; got "zzz"');
  t.same(check('segments:\n  - name: a\n    tier: lgwan\n    cidrs: [10.0.0.0/8]\n    mfa: 1\n')[0], {
    code: 'SCHEMA-VIOLATION',
    at: '5:10',
    message: 'segments[0].mfa must be true or false; got 1',
  });
  t.same(check('flows:\n  - id: F-1\n    from: lg\n    to: [lg]\n    services: [443]\n'), [
    { code: 'SCHEMA-VIOLATION', at: '3:11', message: 'flows[0].from must be a list; got "lg"' },
    { code: 'SCHEMA-VIOLATION', at: '5:16', message: 'flows[0].services[0] must be text such as tcp/443: a service names its protocol; got 443' },
  ]);
  t.same(check('exceptions:\n  - id: E\n    from: [a]\n    to: [b]\n    services: [any]\n    reason: r\n    approved-by: c\n    expires: 20270331\n')[0], {
    code: 'EXCEPTION-DATE-INVALID',
    at: '8:14',
    message: 'exceptions[0].expires must be text (a date YYYY-MM-DD); got 20270331',
  });
});

t.test('one problem per node: several missing keys are one problem, at the map', async (t) => {
  t.same(check('segments:\n  - name: a\n'), [{ code: 'SCHEMA-VIOLATION', at: '2:5', message: 'segments[0] is missing tier (mynumber, lgwan, internet) and cidrs' }]);
  t.same(
    check('segments:\n  - name: "bad name that is also far too long for any segment name, really far too long"\n    tier: lgwan\n    cidrs: [10.0.0.0/8]\n').length,
    1,
    'a name failing both its pattern and its length is one problem',
  );
});

t.test('unknown keys point at the key, with a suggestion or the keys allowed', async (t) => {
  t.same(check('segments:\n  - name: a\n    tier: lgwan\n    cidr: [10.0.0.0/8]\n'), [
    { code: 'SCHEMA-VIOLATION', at: '2:5', message: 'segments[0] is missing cidrs' },
    { code: 'SCHEMA-UNKNOWN-KEY', at: '4:5', message: 'unknown key in segments[0]: "cidr"; did you mean "cidrs"?' },
  ]);
  t.same(check('policy:\n  colour: blue\n'), [
    { code: 'SCHEMA-UNKNOWN-KEY', at: '2:3', message: 'unknown key in policy: "colour"; expected name, model, timezone, defaults, clauses and exception-max-days' },
  ]);
  t.same(check('rules: []\n'), [
    { code: 'SCHEMA-UNKNOWN-KEY', at: '1:1', message: 'unknown top-level key "rules"; expected policy, services, groups, segments, flows and exceptions' },
  ]);
});

t.test('keys of user-named maps are checked as names, at the key', async (t) => {
  t.same(check('services:\n  web server: [tcp/80]\n  ok: []\n'), [
    { code: 'SCHEMA-VIOLATION', at: '2:3', message: 'key "web server" in services must be a name: a letter or digit, then letters, digits, "-", "_" or "."; got "web server"' },
    { code: 'SCHEMA-VIOLATION', at: '3:7', message: 'services.ok must list at least one item; remove the key if there is nothing to list' },
  ]);
});

t.test('valid and empty files have no problems', async (t) => {
  t.same(check(''), []);
  t.same(check('# nothing\n'), []);
  t.same(check('policy:\n  name: x\n  defaults: { lgwan: allow }\n  clauses: { NO-GRANT: "第5条" }\n'), []);
  // A city with no exceptions (or no grants yet) writes the list empty rather than deleting it.
  t.same(check('exceptions: []\nflows: []\nsegments: []\n'), []);
});

t.test('describePath and describeValue', async (t) => {
  t.equal(describePath([]), 'the file');
  t.equal(describePath(['segments', 2, 'tier']), 'segments[2].tier');
  t.equal(describePath(['services', 'web server', 0]), 'services["web server"][0]');
  t.equal(describePath(['groups', '窓口']), 'groups.窓口');
  t.equal(describeValue(null), 'nothing (an empty value)');
  t.equal(describeValue({}), 'a map');
  t.equal(describeValue('x'.repeat(100)), JSON.stringify(`${'x'.repeat(57)}...`));
  t.equal(describeValue(false), 'false');
});

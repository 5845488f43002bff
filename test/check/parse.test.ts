/**
 * parseChangeRequest: every class of bad request is refused with the rule index and field that
 * hold the mistake, and good requests come out as the ranges they stand for.
 */
import { fileURLToPath } from 'node:url';
import Ajv2020Module from 'ajv/dist/2020.js';
import t, { type Test } from 'tap';
import { CHANGE_REQUEST_SCHEMA, fieldOf, formatRequestError, parseChangeRequest } from '../../src/check/parse.js';
import type { RequestError } from '../../src/check/types.js';
import { loadPolicy } from '../../src/policy.js';

const RULES = fileURLToPath(new URL('../fixtures/change-requests/rules', import.meta.url));
const loaded = loadPolicy([RULES], { asOf: '2026-06-15' });
if (!loaded.policy) throw new Error('hand-city does not load');
const { table } = loaded.policy;
const seg = (name: string) => table.model.segments.findIndex((s) => s.name === name);

const rule = (over: Record<string, unknown> = {}) => ({ src: ['lg-terminals'], dst: ['inet-cms'], services: ['https'], action: 'allow', ...over });

function errorsOf(data: unknown): RequestError[] {
  const r = parseChangeRequest(data, table);
  return r.errors ?? [];
}

/** The only error of a request whose rule 0 differs from a good one by `over`. */
function oneError(t: Test, over: Record<string, unknown>): RequestError {
  const errors = errorsOf({ rules: [rule(), rule(over)] });
  t.equal(errors.length, 1, `one error: ${JSON.stringify(errors)}`);
  return errors[0]!;
}

t.test('bad addresses: strict, never normalised', async (t) => {
  const cases: [string, RegExp][] = [
    ['10.0.0.1/24', /host bits are set \(the network is 10\.0\.0\.0\/24\)/],
    ['010.0.0.0/8', /leading zero/],
    ['10.0.0.0/33', /out of range/],
    ['10.0.0.256', /greater than 255/],
    ['fe80::1%eth0', /zone id/],
    ['fd00::1/129', /out of range/],
    ['fd00:20::1/48', /host bits/],
    ['10.0.0', /not an IPv4 address/],
    ['10.0.0.0/', /not a number/],
    [' 10.0.0.0/8', /white space|no segment/],
  ];
  for (const [text, message] of cases) {
    const e = oneError(t, { src: ['lg-terminals', text] });
    t.equal(e.index, 1, text);
    t.equal(e.field, 'rules[1].src[1]', text);
    t.match(e.message, message, text);
    t.same(e.path, ['rules', 1, 'src', 1]);
    t.equal(e.part, 'value');
  }
  const dst = oneError(t, { dst: ['10.0.0.1/24'] });
  t.equal(dst.field, 'rules[1].dst[0]');
  t.equal(formatRequestError(dst), 'rules[1].dst[0]: "10.0.0.1/24": host bits are set (the network is 10.0.0.0/24)');
});

t.test('unknown names and tiers, with a suggestion when one is close', async (t) => {
  const typo = oneError(t, { src: ['lg-termnals'] });
  t.equal(typo.field, 'rules[1].src[0]');
  t.match(typo.message, /no segment or group named "lg-termnals"; did you mean "lg-terminals"\?/);
  const far = oneError(t, { dst: ['payroll'] });
  t.match(far.message, /no segment or group named "payroll"; write a CIDR/);
  const tier = oneError(t, { src: ['tier:lgwn'] });
  t.match(tier.message, /unknown tier "lgwn".*did you mean "tier:lgwan"/);
  const svc = oneError(t, { services: ['htps'] });
  t.equal(svc.field, 'rules[1].services[0]');
  t.match(svc.message, /no service named "htps"; did you mean "https"\?/);
});

t.test('bad services', async (t) => {
  const cases: [string, RegExp][] = [
    ['tcp/9-1', /upside down/],
    ['tcp/0', /out of range/],
    ['tcp/70000', /out of range|not a number/],
    ['icmp/3', /has no ports/],
    ['proto/256', /0–255/],
    ['udp/0x35', /not a number/],
  ];
  for (const [text, message] of cases) {
    const e = oneError(t, { services: ['https', text] });
    t.equal(e.field, 'rules[1].services[1]', text);
    t.match(e.message, message, text);
  }
});

t.test('shape: unknown keys, wrong action, empty lists, wrong types', async (t) => {
  const key = oneError(t, { acton: 'allow' });
  t.equal(key.field, 'rules[1].acton');
  t.equal(key.part, 'key');
  t.match(key.message, /unknown key "acton"; did you mean "action"\?/);

  const action = oneError(t, { action: 'permit' });
  t.equal(action.field, 'rules[1].action');
  t.match(action.message, /must be allow or deny; got "permit"/);

  const missing = errorsOf({ rules: [{ src: ['lg-terminals'], dst: ['inet-cms'], services: ['https'] }] });
  t.same(
    missing.map((e) => [e.field, e.message]),
    [['rules[0]', 'is missing action']],
  );

  for (const field of ['src', 'dst', 'services']) {
    const e = oneError(t, { [field]: [] });
    t.equal(e.field, `rules[1].${field}`);
    t.equal(e.message, 'must not be empty');
  }
  const emptyText = oneError(t, { src: [''] });
  t.equal(emptyText.field, 'rules[1].src[0]');
  t.equal(emptyText.message, 'must not be empty');

  const notList = oneError(t, { src: 'lg-terminals' });
  t.match(notList.message, /must be a list; got "lg-terminals"/);
  const number = oneError(t, { services: [443] });
  t.equal(number.field, 'rules[1].services[0]');
  t.match(number.message, /must be text; got 443/);

  const long = oneError(t, { dst: ['x'.repeat(129)] });
  t.equal(long.field, 'rules[1].dst[0]');
  t.equal(long.message, 'is longer than 128 characters');
  const many = oneError(t, { src: Array.from({ length: 1001 }, (_, i) => `10.0.${i >> 8}.${i & 255}`) });
  t.equal(many.field, 'rules[1].src');
  t.equal(many.message, 'lists more than 1000 items');

  const noRules = errorsOf({ rules: [] });
  t.same(
    noRules.map((e) => [e.index, e.field, e.message]),
    [[null, 'rules', 'must not be empty']],
  );
  const top = errorsOf({ id: 'CR-1', rules: [rule()], owner: 'x' });
  t.same(
    top.map((e) => [e.index, e.field]),
    [[null, 'owner']],
  );
  t.match(top[0]!.message, /expected id, description and rules/);
  for (const data of [null, 42, 'rules', [rule()]]) {
    const e = errorsOf(data);
    t.equal(e.length, 1, JSON.stringify(data));
    t.equal(e[0]!.field, 'the request');
    t.match(e[0]!.message, /a change request must be a map/);
  }
  const missingRules = errorsOf({ id: 'CR-1' });
  t.same(
    missingRules.map((e) => [e.field, e.message]),
    [['the request', 'is missing rules']],
  );
});

t.test('every mistake at once, in the order the request is written', async (t) => {
  const errors = errorsOf({
    rules: [rule({ src: ['10.0.0.1/24', 'lg-termnals'], acton: 'x' }), rule({ dst: [], services: ['tcp/9-1'], action: 'permit' })],
  });
  t.same(
    errors.map((e) => e.field),
    ['rules[0].acton', 'rules[0].src[0]', 'rules[0].src[1]', 'rules[1].dst', 'rules[1].services[0]', 'rules[1].action'],
  );
});

t.test('good requests: names, groups, tiers, bare and mapped addresses, named services', async (t) => {
  const r = parseChangeRequest(
    {
      id: 'CR-9',
      description: 'x',
      rules: [
        {
          src: ['clients', 'tier:mynumber', 'outside'],
          dst: ['10.20.1.5', 'fd00::1', '::ffff:10.20.0.0/112'],
          services: ['web', 'udp/53', 'tcp/8000-8080', 'icmp'],
          action: 'deny',
          description: 'y',
        },
        { src: ['::/0'], dst: ['0.0.0.0/0'], services: ['any'], action: 'allow' },
      ],
    },
    table,
  );
  if (!r.request) throw new Error(JSON.stringify(r.errors));
  t.equal(r.request.id, 'CR-9');
  const x = r.request.rules[0]!;
  t.equal(x.action, 'deny');
  t.same(
    x.src.segments,
    [seg('mn-term'), seg('mn-nomfa'), seg('mn-srv'), seg('lg-terminals'), seg('lg-annex'), seg('outside')].sort((a, b) => a - b),
  );
  t.same(x.src.v4, []);
  // 10.20.1.5 = 0x0a140105; ::ffff:10.20.0.0/112 is IPv4 10.20.0.0–10.20.255.255.
  t.same(x.dst.v4, [{ lo: 0x0a140105, hi: 0x0a140105 }]);
  t.same(x.dst.mapped, [{ lo: 0x0a140000, hi: 0x0a14ffff }]);
  t.same(x.dst.v6, [{ lo: (0xfd00n << 112n) | 1n, hi: (0xfd00n << 112n) | 1n }]);
  // ::/0 is IPv6 around ::ffff:0:0/96, and that block is the whole of IPv4.
  const all = r.request.rules[1]!;
  t.same(all.src.v6, [
    { lo: 0n, hi: (0xffffn << 32n) - 1n },
    { lo: 0x1_0000_0000_0000n, hi: (1n << 128n) - 1n },
  ]);
  t.same(all.src.mapped, [{ lo: 0, hi: 2 ** 32 - 1 }]);
  t.same(all.src.v4, []);
  t.same(all.dst.v4, [{ lo: 0, hi: 2 ** 32 - 1 }]);
  t.same(all.services, [{ lo: 0, hi: 256 * 65536 - 1 }]);
  // tcp/80, tcp/443 (web), udp/53, tcp/8000-8080, icmp as keys proto * 65536 + port.
  t.same(x.services, [
    { lo: 65536, hi: 65536 },
    { lo: 6 * 65536 + 80, hi: 6 * 65536 + 80 },
    { lo: 6 * 65536 + 443, hi: 6 * 65536 + 443 },
    { lo: 6 * 65536 + 8000, hi: 6 * 65536 + 8080 },
    { lo: 17 * 65536 + 53, hi: 17 * 65536 + 53 },
  ]);
  t.same(x.text, { src: ['clients', 'tier:mynumber', 'outside'], dst: ['10.20.1.5', 'fd00::1', '::ffff:10.20.0.0/112'], services: ['web', 'udp/53', 'tcp/8000-8080', 'icmp'] });
  const noId = parseChangeRequest({ rules: [rule()] }, table);
  t.equal(noId.request?.id, null);
});

t.test('overlapping and adjacent ranges are merged', async (t) => {
  const r = parseChangeRequest({ rules: [rule({ src: ['10.0.0.0/25', '10.0.0.128/25', '10.0.0.5', '10.0.2.0/24'], services: ['tcp/1-10', 'tcp/11-20', 'tcp/15'] })] }, table);
  const x = r.request!.rules[0]!;
  t.same(x.src.v4, [
    { lo: 0x0a000000, hi: 0x0a0000ff },
    { lo: 0x0a000200, hi: 0x0a0002ff },
  ]);
  t.same(x.services, [{ lo: 6 * 65536 + 1, hi: 6 * 65536 + 20 }]);
});

t.test('fieldOf', async (t) => {
  t.equal(fieldOf([]), 'the request');
  t.equal(fieldOf(['rules', 2, 'src', 1]), 'rules[2].src[1]');
  t.equal(fieldOf(['odd key']), '["odd key"]');
});

t.test('the schema: 2020-12, an $id, a description on every property', async (t) => {
  const schema = CHANGE_REQUEST_SCHEMA as Record<string, unknown>;
  t.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  t.match(schema.$id, /^https:\/\/.+\/v1\.json$/);
  const Ajv2020 = Ajv2020Module.default;
  t.doesNotThrow(() => new Ajv2020({ strict: true }).compile(schema));
  const missing: string[] = [];
  const walk = (node: unknown, where: string): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    for (const key of ['properties', '$defs'] as const) {
      const map = n[key] as Record<string, Record<string, unknown>> | undefined;
      for (const [name, sub] of Object.entries(map ?? {})) {
        if (typeof sub.description !== 'string' || sub.description.length === 0) missing.push(`${where}.${key}.${name}`);
        walk(sub, `${where}.${key}.${name}`);
      }
    }
    if (n.items) walk(n.items, `${where}.items`);
  };
  walk(schema, '#');
  t.same(missing, [], 'every property and definition is described');
});

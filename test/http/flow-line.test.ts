import t from 'tap';
import fc from '../property/fc.js';
import { FlowLine, plainValue, scanFlowLine } from '../../src/http/flow-line.js';
import { parseJson } from '../../src/http/json.js';

/**
 * What the safe parser reads from a line the scanner accepted, with plain values, must be
 * exactly what it read.
 */
function agrees(line: string): boolean {
  const out = new FlowLine();
  if (!scanFlowLine(line, out) || !plainValue(out.src) || !plainValue(out.dst) || !plainValue(out.service)) return true;
  const p = parseJson(line);
  if (!p.ok) return false;
  const v = p.value as Record<string, unknown>;
  return Object.keys(v).length === 3 && v.src === out.src && v.dst === out.dst && v.service === out.service;
}

t.test('the common shape is read in any key order and with any JSON white space', async (t) => {
  const lines: [string, string, string, string][] = [
    ['{"src":"10.0.0.1","dst":"fd00::1","service":"tcp/443"}', '10.0.0.1', 'fd00::1', 'tcp/443'],
    ['{"service":"udp/53","dst":"10.0.0.2","src":"10.0.0.1"}', '10.0.0.1', '10.0.0.2', 'udp/53'],
    ['{"dst":"b","service":"c","src":"a"}', 'a', 'b', 'c'],
    [' \t{ "src" : "a" ,\r"dst":\t"b" , "service" :"c" }  \r', 'a', 'b', 'c'],
    ['{"src":"","dst":"三層","service":"x y"}', '', '三層', 'x y'],
  ];
  for (const [line, src, dst, service] of lines) {
    const out = new FlowLine();
    t.ok(scanFlowLine(line, out), line);
    t.ok(plainValue(out.src) && plainValue(out.dst) && plainValue(out.service));
    t.same({ src: out.src, dst: out.dst, service: out.service }, { src, dst, service });
    t.ok(agrees(line));
  }
});

t.test('anything else is left to the safe parser', async (t) => {
  const refused = [
    '',
    '   ',
    '\uFEFF{"src":"a","dst":"b","service":"c"}', // a BOM
    '{"\\u0073rc":"a","dst":"b","service":"c"}', // an escaped key
    '{"src":"a","src":"b","dst":"b","service":"c"}', // a repeated key (JSON.parse keeps the last)
    '{"src":"a","dst":"b","dst":"c"}',
    '{"src":"a","dst":"b"}',
    '{"src":"a","dst":"b","service":"c","note":"x"}',
    '{"src":"a","dst":"b","service":"c","__proto__":{"x":1}}',
    '{"__proto__":"a","dst":"b","service":"c"}',
    '{"src":"a","dst":"b","service":"c","constructor":{"prototype":{"x":1}}}',
    '{"src":"a","dst":"b","service":1}',
    '{"src":null,"dst":"b","service":"c"}',
    '{"src":"a","dst":"b","service":"c"}x',
    '{"src":"a","dst":"b","service":"c"}}',
    '{"src":"a","dst":"b","service":"c",}',
    '{"src":"a","dst":"b","service":"c"',
    '{"src":"a","dst":"b","service":"c',
    "{'src':'a','dst':'b','service':'c'}",
    '{"src" "a","dst":"b","service":"c"}',
    '{"src":"a" "dst":"b","service":"c"}',
    '{"srcx":"a","dst":"b","service":"c"}',
    '{"src":"a","dst":"b","services":"c"}',
    '[{"src":"a","dst":"b","service":"c"}]',
    '{"src":"a","dst":"b","service":"c"}\u00a0', // not JSON white space
  ];
  for (const line of refused) t.notOk(scanFlowLine(line, new FlowLine()), JSON.stringify(line));
});

t.test('a value with an escape or a control character is not plain: its JSON reading differs', async (t) => {
  for (const [line, field] of [
    ['{"src":"a\\u0031","dst":"b","service":"c"}', 'src'],
    ['{"src":"a","dst":"b\\\\","service":"c"}', 'dst'],
    ['{"src":"a","dst":"b","service":"c\td"}', 'service'],
  ] as const) {
    const out = new FlowLine();
    t.ok(scanFlowLine(line, out), line);
    t.notOk(plainValue(out[field]), `${field} of ${line}`);
  }
  // An escaped quote ends the scanner's value early; whatever it reads then is not plain.
  const out = new FlowLine();
  t.ok(scanFlowLine('{"src":"a\\","dst":"b","service":"c"}', out));
  t.equal(out.src, 'a\\');
  t.notOk(plainValue(out.src));
  t.ok(plainValue('10.0.0.1') && plainValue('三層') && plainValue(''));
});

t.test('whatever the scanner accepts, the safe parser reads the same three strings', async (t) => {
  // Lines assembled from the tokens of the shape, with the nearby mistakes mixed in.
  const ws = fc.oneof({ weight: 30, arbitrary: fc.constantFrom('', '', ' ', '\t', '\r', '\n', '  ') }, { weight: 1, arbitrary: fc.constantFrom('\u00a0', '\f', '\v') });
  const key = fc.constantFrom('"src"', '"dst"', '"service"', '"src"', '"dst"', '"service"', '"__proto__"', '"sr\\u0063"', 'src', '"Src"');
  const value = fc.oneof(
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }).map((s) => `"${s}"`) },
    { weight: 6, arbitrary: fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)) },
    { weight: 1, arbitrary: fc.constantFrom('1', 'null', '{}', '"a', '"\\"', '"\\n"') },
  );
  const keys = fc.oneof(
    { weight: 4, arbitrary: fc.shuffledSubarray(['"src"', '"dst"', '"service"'], { minLength: 3, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.array(key, { maxLength: 4 }) },
  );
  const member = (k: string) => fc.tuple(ws, fc.constant(k), ws, fc.constantFrom(':', ':', ':', ''), ws, value, ws).map((p) => p.join(''));
  const members = keys.chain((ks) => fc.tuple(...ks.map(member)));
  const line = fc
    .tuple(ws, fc.constantFrom('{', '{', '{', '['), members, fc.constantFrom(',', ',', ', ', ';'), fc.constantFrom('}', '}', '}', ']', '}x'), ws)
    .map(([a, open, members, sep, close, b]) => `${a}${open}${members.join(sep)}${close}${b}`);
  let accepted = 0;
  fc.assert(
    fc.property(line, (l) => {
      if (scanFlowLine(l, new FlowLine())) accepted++;
      return agrees(l);
    }),
    { numRuns: 3000, seed: 20261125 },
  );
  t.ok(accepted > 50, `the generator reaches the accepted shape (${accepted} of 3000)`);
});

t.test('a line is read within its bounds in a larger text, never past them', async (t) => {
  const line = '{"src":"a","dst":"b","service":"c"}';
  const text = `garbage\n${line}\r\n${line}`;
  const from = text.indexOf('{');
  const to = text.indexOf('\n', from);
  const out = new FlowLine();
  t.ok(scanFlowLine(text, out, from, to), 'the line with its \\r');
  t.same([out.src, out.dst, out.service], ['a', 'b', 'c']);
  t.notOk(scanFlowLine(text, new FlowLine(), 0, to), 'garbage before it');
  // Cut anywhere short of its end: each prefix is refused, though the text goes on.
  let accepted = 0;
  for (let cut = from; cut < from + line.length; cut++) if (scanFlowLine(text, new FlowLine(), from, cut)) accepted++;
  t.equal(accepted, 0, 'no prefix of the line is accepted');
  // A value or key whose end lies past the bound.
  const split = '{"src":"a","dst":"b","service":"c\n"}';
  t.notOk(scanFlowLine(split, new FlowLine(), 0, split.indexOf('\n')));
  const key = '{"src":"a","dst":"b","ser\nvice":"c"}';
  t.notOk(scanFlowLine(key, new FlowLine(), 0, key.indexOf('\n')));
});

/**
 * The CSV reader `decide --batch` and `audit --flows` share (src/cli/flow-csv.ts): RFC 4180
 * quoting against a naive encoder on random fields, spreadsheet exports (header, BOM, CRLF,
 * quoted fields), bad quoting answered in place with its line number, and the summary a person
 * at a terminal sees (stderr only; stdout is the same either way).
 */
import { PassThrough } from 'node:stream';
import fc from '../property/fc.js';
import t from 'tap';
import { main } from '../../src/cli/main.js';
import { splitQuoted } from '../../src/cli/flow-csv.js';
import { runs } from '../property/settings.js';
import { sanso } from './run.js';

const R = ['--rules', 'rules/', '--as-of', '2026-11-30'];

/** RFC 4180 as a spreadsheet writes it: quoted when needed (or when asked), quotes doubled. */
function encode(field: string, quote: boolean): string {
  return quote || /[",]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

t.test('splitQuoted reads back what an RFC 4180 writer wrote', async (t) => {
  const field = fc.string({ unit: fc.constantFrom('a', '1', '.', ':', '/', ',', '"', ' ', 'ー'), maxLength: 8 });
  fc.assert(
    fc.property(fc.array(fc.tuple(field, fc.boolean()), { minLength: 1, maxLength: 5 }), (fields) => {
      const line = fields.map(([f, q]) => encode(f, q)).join(',');
      if (!line.includes('"')) return; // the loop splits such lines itself
      t.same(
        splitQuoted(line),
        fields.map(([f]) => f),
        line,
      );
    }),
    { numRuns: runs(300) },
  );
});

t.test('splitQuoted: blanks around quotes, empty fields, and what is badly quoted', async (t) => {
  t.same(splitQuoted(' "10.0.0.1" ,"a,b",x'), ['10.0.0.1', 'a,b', 'x']);
  t.same(splitQuoted('"",,""""'), ['', '', '"']);
  t.same(splitQuoted('a,"b"'), ['a', 'b']);
  t.equal(splitQuoted('"10.0.0.1,10.0.0.2,tcp/443'), 'field 1: the quote at column 1 is never closed (a quoted field cannot span lines)');
  t.equal(splitQuoted('a,"b"c,d'), 'field 2: text after its closing quote at column 6 (a quote inside a quoted field is written "")');
  t.equal(splitQuoted('a,b"c,d'), 'field 2: a quote at column 4 inside an unquoted field (quote the whole field: "…", with "" for a quote)');
});

t.test('decide --batch reads an Excel export: BOM, quoted header and fields, CRLF', async (t) => {
  const plain = ['10.20.100.5,172.16.9.10,tcp/443', '10.20.100.5,8.8.8.8,udp/53', '10.10.1.5,10.20.100.5,tcp/445'];
  const want = await sanso(['decide', '--batch', '-', ...R], `${plain.join('\n')}\n`);
  t.equal(want.code, 0);
  const excel = `\uFEFF"src","dst","service"\r\n${plain
    .map((l) =>
      l
        .split(',')
        .map((f) => `"${f}"`)
        .join(','),
    )
    .join('\r\n')}\r\n`;
  const got = await sanso(['decide', '--batch', '-', ...R], excel);
  t.equal(got.code, 0);
  t.equal(got.out, want.out, 'the same answers as the plain file');
  const header = await sanso(['decide', '--batch', '-', ...R], `\uFEFFSource,Destination,Service\n${plain[0]}\n`);
  t.equal(header.out.split('\n').length, 2, 'a spelled-out header is skipped too');
  t.equal(header.code, 0);
});

t.test('decide --batch: bad quoting and embedded commas answered in place with the line number', async (t) => {
  const input = [
    'src,dst,service',
    '"10.20.100.5","172.16.9.10","tcp/443"',
    '"10.20.100.5,172.16.9.10",tcp/443',
    '"10.20.100.5","172.16.9.10,x","tcp/443"',
    '"10.20.100.5,172.16.9.10,tcp/443',
    '10.20.100.5,172"16.9.10,tcp/443',
    '"10.20.100.5"x,172.16.9.10,tcp/443',
    '"10.20.""100.5",172.16.9.10,tcp/443',
    '10.20.100.5,172.16.9.10,tcp/443',
  ].join('\r\n');
  const r = await sanso(['decide', '--batch', '-', ...R], input);
  t.equal(r.code, 1);
  const lines = r.out
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(lines.length, 8);
  t.match(lines[0], { decision: 'allow', src: { address: '10.20.100.5' }, dst: { address: '172.16.9.10' } });
  t.same(lines[1], { line: 3, error: 'expected src,dst,service (3 fields), got 2' });
  t.same(lines[2], { line: 4, error: 'dst "172.16.9.10,x": not an IPv4 or IPv6 address' });
  t.same(lines[3], { line: 5, error: 'bad quoting: field 1: the quote at column 1 is never closed (a quoted field cannot span lines)' });
  t.same(lines[4], { line: 6, error: 'bad quoting: field 2: a quote at column 16 inside an unquoted field (quote the whole field: "…", with "" for a quote)' });
  t.same(lines[5], { line: 7, error: 'bad quoting: field 1: text after its closing quote at column 14 (a quote inside a quoted field is written "")' });
  t.same(lines[6], { line: 8, error: 'src "10.20.\\"100.5": not an IPv4 or IPv6 address' });
  t.match(lines[7], { decision: 'allow' });
});

t.test('audit --flows reads quoted fields the same way', async (t) => {
  const device = 'examples/firewalls/iptables-compliant.save';
  const args = ['audit', device, '--interfaces', 'examples/firewalls/interfaces.yaml', '--flows', '-', ...R];
  const plain = await sanso(args, '10.20.100.5,172.16.9.10,tcp/443\n');
  const quoted = await sanso(args, '\uFEFF"src","dst","service"\r\n"10.20.100.5","172.16.9.10","tcp/443"\r\n');
  t.equal(plain.code, quoted.code);
  t.ok(plain.out.length > 0, plain.err);
  t.equal(quoted.out, plain.out);
});

async function batchAt(tty: boolean | undefined, stdin: string, lang = 'en'): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const input = new PassThrough();
  input.end(stdin);
  const io = { stdout: (s: string) => void (out += s), stderr: (s: string) => void (err += s), stdin: input, env: {} };
  const code = await main(['decide', '--batch', '-', ...R, '--lang', lang], tty === undefined ? io : { ...io, stderrIsTTY: tty });
  return { code, out, err };
}

t.test('decide --batch: a summary on stderr at a terminal, nothing when piped; stdout the same', async (t) => {
  const allowed = '10.20.100.5,172.16.9.10,tcp/443\n';
  const denied = '10.20.100.5,8.8.8.8,tcp/443\n';
  const input = allowed.repeat(812) + denied.repeat(187) + 'not,an,address\n';
  const tty = await batchAt(true, input);
  const piped = await batchAt(false, input);
  const unset = await batchAt(undefined, input);
  t.equal(tty.err, '1,000 flows: 812 allowed, 187 denied, 1 error\n');
  t.equal(piped.err, '');
  t.equal(unset.err, '');
  t.equal(tty.out, piped.out, 'stdout does not change');
  t.equal(tty.code, 1);
  t.equal(piped.code, 1);
  t.equal((await batchAt(true, allowed)).err, '1 flow: 1 allowed, 0 denied, 0 errors\n');
  t.equal((await batchAt(true, allowed + denied, 'ja')).err, '2 件: 許可 1、拒否 1、エラー 0\n');
  t.equal((await batchAt(true, '# nothing\n')).err, '0 flows: 0 allowed, 0 denied, 0 errors\n');
});

t.test('decide --batch: no summary after a file that cannot be read', async (t) => {
  let err = '';
  const code = await main(['decide', '--batch', '/', ...R], { stdout: () => {}, stderr: (s) => void (err += s), stdin: new PassThrough(), env: {}, stderrIsTTY: true });
  t.equal(code, 1);
  t.match(err, /^sanso: cannot read \/: EISDIR\n$/);
});

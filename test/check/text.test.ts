/**
 * The text report of `sanso check` for what the CLI fixtures do not reach: a truncated rule, a
 * rule that stands for no flow, an allow rule with nothing to report, in both languages.
 * Expected findings are hand-worked from test/fixtures/change-requests/rules/hand-city.yaml.
 */
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { checkRequest } from '../../src/check/check.js';
import { parseChangeRequest } from '../../src/check/parse.js';
import { formatCheckText } from '../../src/check/text.js';
import { loadPolicy } from '../../src/policy.js';

const RULES = fileURLToPath(new URL('../fixtures/change-requests/rules', import.meta.url));
const loaded = loadPolicy([RULES], { asOf: '2026-06-15' });
if (!loaded.policy) throw new Error('hand-city does not load');
const policy = loaded.policy;

function report(rules: unknown[], lang: 'en' | 'ja', maxFindings: number): string {
  const parsed = parseChangeRequest({ rules }, policy.table);
  if (!parsed.request) throw new Error(JSON.stringify(parsed.errors));
  return formatCheckText(checkRequest(policy, parsed.request, { lang, maxFindings }), parsed.request, lang, maxFindings);
}

// clients → inet-cms: SPLIT-PATH for lg-terminals and lg-annex (2 findings).
const split = { src: ['clients'], dst: ['inet-cms'], services: ['https'], action: 'allow' };
// An IPv4 source and an IPv6 destination: no flow.
const mixed = { src: ['10.20.0.0/16'], dst: ['fd00:16::/48'], services: ['any'], action: 'allow' };
// Granted by F-020.
const granted = { src: ['mn-term'], dst: ['mn-srv'], services: ['tcp/443'], action: 'allow' };
// lg-server → outside: nothing the policy allows, so a deny rule blocks nothing.
const blocksNothing = { src: ['lg-server'], dst: ['outside'], services: ['any'], action: 'deny' };

t.test('English', async (t) => {
  const out = report([split, mixed, granted, blocksNothing], 'en', 1);
  t.match(out, /^change request: VIOLATION/);
  t.match(out, /2 denied \(source segment, destination segment\) pairs by code: SPLIT-PATH 2/);
  t.match(out, /… 1 more not listed \(findings stop at 1; the counts above are exact\)/);
  t.match(out, /rule 1: allow {2}10\.20\.0\.0\/16 → fd00:16::\/48 {2}any\n {4}stands for no flow/);
  t.match(out, /rule 2: allow {2}mn-term → mn-srv {2}tcp\/443\n {4}every flow inside it is allowed/);
  t.match(out, /rule 3: deny {2}lg-server → outside {2}any\n {4}it blocks nothing the policy allows/);
  t.equal(out.match(/SPLIT-PATH {2}lg-/g)?.length, 1, 'one finding listed');
});

t.test('Japanese', async (t) => {
  const out = report([split, mixed, granted, blocksNothing], 'ja', 1);
  t.match(out, /^変更申請: 違反/);
  t.match(out, /… ほか 1 件（一覧は 1 件まで。上の件数は正確です）/);
  t.match(out, /通信を一つも表しません/);
  t.match(out, /ルール内の通信はすべて許可されています/);
  t.match(out, /ポリシーが許可している通信を遮断しません/);
});

t.test('control characters in the request are escaped, never sent to the terminal', async (t) => {
  const parsed = parseChangeRequest({ id: 'CR-\u001b[31m', rules: [granted] }, policy.table);
  const out = formatCheckText(checkRequest(policy, parsed.request!, { lang: 'en' }), parsed.request!, 'en');
  t.notMatch(out, /\u001b/);
  t.match(out, /CR-\\u001b\[31m/);
});

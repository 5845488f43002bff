import t from 'tap';
import { parseCidr } from '../src/model/cidr.js';
import { parseServiceRange, formatServiceKey } from '../src/model/services.js';
t.test('cidr strictness', async (t) => {
  t.ok(parseCidr('10.20.0.0/16').ok);
  t.notOk(parseCidr('10.0.0.1/24').ok);
  t.notOk(parseCidr('010.0.0.0/8').ok);
  t.notOk(parseCidr('fe80::%eth0/64').ok);
  t.notOk(parseCidr('10.0.0.0/33').ok);
  t.match(parseCidr('fd00:20::/48'), { ok: true, cidr: { family: 6, prefix: 48 } });
});
t.test('services', async (t) => {
  const r = parseServiceRange('tcp/8000-8080');
  t.ok(r.ok && formatServiceKey(r.range.lo) === 'tcp/8000');
  t.notOk(parseServiceRange('tcp/0').ok);
  t.notOk(parseServiceRange('tcp/90-80').ok);
});

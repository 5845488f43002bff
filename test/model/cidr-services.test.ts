import t from 'tap';
import { parseCidr } from '../../src/model/cidr.js';
import { parseServiceRange, formatServiceKey } from '../../src/model/services.js';
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
t.test('IPv6 with a dotted IPv4 tail', async (t) => {
  t.match(parseCidr('::ffff:10.20.100.5', true), { ok: true, cidr: { family: 6, first: 0xffff0a146405n } });
  t.match(parseCidr('64:ff9b::/96'), { ok: true });
  t.match(parseCidr('::ffff:010.20.100.5', true), { ok: false });
  t.match(parseCidr('::ffff:10.20.100.256', true), { ok: false });
});

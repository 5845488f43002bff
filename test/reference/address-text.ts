/**
 * Address texts for the flow parsers' property tests: built from the pieces addresses are made
 * of (octets, hex groups, gaps, IPv4 tails), mostly well-formed and often not, with non-ASCII
 * look-alikes and JSON-string junk; plus well-formed IPv6 in every spelling a caller may use.
 */
import fc from '../property/fc.js';
import { formatV6, formatV6Full } from './arbitrary.js';

const octet = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 255 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('256', '999', '01', '00', '007', '0255', '', '1234', 'a', ' 1', '-1', '+1', '１') },
);
const v4 = fc.array(octet, { minLength: 3, maxLength: 5 }).map((o) => o.join('.'));
const group = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16)) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16).toUpperCase().padStart(4, '0')) },
  { weight: 1, arbitrary: fc.constantFrom('', '00000', '1ffff', 'g', 'G', 'ffff', '0', ' ', 'x1', 'é') },
);
const v6 = fc
  .tuple(
    fc.array(group, { maxLength: 9 }),
    fc.integer({ min: -1, max: 9 }),
    fc.option(v4, { freq: 4 }),
    fc.option(fc.constantFrom('%eth0', '/64', ' ', ':', '::', '"', '\\'), { freq: 8 }),
  )
  .map(([groups, gapAt, tail, junk]) => {
    let text = gapAt >= 0 && gapAt <= groups.length ? `${groups.slice(0, gapAt).join(':')}::${groups.slice(gapAt).join(':')}` : groups.join(':');
    if (tail !== null) text = text.endsWith(':') || text === '' ? `${text}${tail}` : `${text}:${tail}`;
    return junk === null ? text : text + junk;
  });
const v6Valid = fc.tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.nat(), fc.constantFrom('short', 'full', 'upper', 'zeros', 'mapped')).map(([value, bits, form]) => {
  let v = value;
  for (let g = 0; g < 8; g++) if ((bits >> g) & 1) v &= ~(0xffffn << BigInt(g * 16));
  if (form === 'full') return formatV6Full(v);
  if (form === 'upper') return formatV6(v).toUpperCase();
  if (form === 'zeros')
    return formatV6Full(v)
      .split(':')
      .map((g) => g.padStart(4, '0'))
      .join(':');
  if (form === 'mapped') return `::ffff:${[24n, 16n, 8n, 0n].map((s) => (v >> s) & 255n).join('.')}`;
  return formatV6(v);
});
export const addressText = fc.oneof(
  { weight: 3, arbitrary: v6Valid },
  { weight: 3, arbitrary: v4 },
  { weight: 4, arbitrary: v6 },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '::ffff:10.0.0.1',
      '::10.0.0.1',
      '::',
      ':::',
      '1::2::3',
      '',
      ' 10.0.0.1',
      '10.0.0.1 ',
      '10.0.0.1%eth0',
      'localhost',
      '::ffff:0:10.0.0.1',
      '::ffff:256.0.0.1',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
);

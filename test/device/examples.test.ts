/**
 * The sample city's boundary firewall in each vendor's format (examples/firewalls/): each file
 * is recognised by its own detector only, parses without a problem, and forwards exactly the
 * three crossings the sample policy grants (F-120, F-121, F-122) and nothing else asked here.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import * as asa from '../../src/device/asa.js';
import * as fortios from '../../src/device/fortios.js';
import * as panos from '../../src/device/panos.js';
import * as rtx from '../../src/device/rtx.js';
import type { ParseResult } from '../../src/device/types.js';
import { evaluateDevice } from '../reference/device.js';
import { flowOf } from './fixtures.js';

interface Vendor {
  detect(text: string): boolean;
  parse(text: string, file: string, opts: { lenient: boolean }): ParseResult;
  file: string;
  /** The interface or zone names of the LGWAN side and the internet side. */
  lgwan: string;
  internet: string;
}

export const VENDORS: Record<string, Vendor> = {
  fortios: { detect: fortios.detect, parse: fortios.parseFortios, file: 'examples/firewalls/fortios/fortigate.conf', lgwan: 'lgwan', internet: 'internet-seg' },
  rtx: { detect: rtx.detect, parse: rtx.parseRtx, file: 'examples/firewalls/rtx/rtx1220.conf', lgwan: 'lan1', internet: 'lan2' },
  asa: { detect: asa.detect, parse: asa.parseAsa, file: 'examples/firewalls/asa/asa.cfg', lgwan: 'lgwan', internet: 'internet' },
  panos: { detect: panos.detect, parse: panos.parsePanos, file: 'examples/firewalls/panos/pa-440.set', lgwan: 'lgwan', internet: 'internet-seg' },
};

for (const [name, v] of Object.entries(VENDORS)) {
  t.test(name, async (t) => {
    const text = readFileSync(v.file, 'utf8');
    for (const [other, o] of Object.entries(VENDORS)) t.equal(o.detect(text), other === name, `${other}.detect`);
    const r = v.parse(text, v.file, { lenient: false });
    t.same(r.problems, [], 'no problems');
    const d = r.devices[0]!;
    const ask = (src: string, dst: string, svc: string, out: boolean): string =>
      evaluateDevice(d, flowOf(src, dst, svc, out ? v.lgwan : v.internet, out ? v.internet : v.lgwan)).action;
    t.equal(ask('10.20.100.5', '172.16.9.10', 'tcp/443', true), 'accept', 'F-120');
    t.equal(ask('10.20.104.5', '172.16.4.3', 'tcp/443', true), 'accept', 'F-121');
    t.equal(ask('172.16.3.2', '10.20.1.33', 'tcp/25', false), 'accept', 'F-122');
    t.equal(ask('10.20.100.5', '172.16.9.10', 'tcp/80', true), 'drop', 'http to the virtual browser');
    t.equal(ask('10.20.9.5', '172.16.9.10', 'tcp/443', true), 'drop', 'lg-ops is not a client');
    t.equal(ask('172.16.9.10', '10.20.100.5', 'tcp/445', false), 'drop', 'internet tier into LGWAN clients');
    t.equal(ask('172.16.3.2', '10.20.1.33', 'tcp/22', false), 'drop', 'ssh from the mail sanitizer');
  });
}

/**
 * `sanso exceptions`: the upkeep list of the rule set's exceptions — who approved what, until
 * when, and how many days are left — so renewals are asked for before they lapse.
 */
import { daysBetween, isActive } from '../model/dates.js';
import { parse } from './args.js';
import { loadForCommand } from './decide.js';
import { EXIT, UsageError, type Io } from './io.js';

export const EXCEPTIONS_USAGE = `usage: sanso exceptions [options]

Lists every exception: id, from → to, services, approved-by, expires and days left (negative:
expired that many days ago), in rule order.

options:
  --json              one JSON document: {"asOf", "exceptions": [{id, from, to, services,
                      approvedBy, expires, daysLeft, active, ticket}]}
  --rules PATH        rule file or directory (default rules/)
  --as-of YYYY-MM-DD  the date days left count from (default: today in policy.timezone)
`;

const OPTIONS = { json: { type: 'boolean', default: false } } as const;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help) {
    io.stdout(EXCEPTIONS_USAGE);
    return EXIT.OK;
  }
  if (positionals.length > 0) throw new UsageError('exceptions takes no arguments (the rule set is --rules PATH)');
  const policy = loadForCommand(values.rules, values['as-of'], io);
  if (!policy) return EXIT.BAD_INPUT;
  const asOf = policy.asOf;
  const rows = policy.model.exceptions.map((x) => ({
    id: x.id,
    from: x.from.map((s) => s.text),
    to: x.to.map((s) => s.text),
    services: x.services.map((s) => s.text),
    approvedBy: x.approvedBy,
    expires: x.expires,
    daysLeft: daysBetween(asOf, x.expires),
    active: isActive(x.expires, asOf),
    ticket: x.ticket,
  }));
  if (values.json) {
    io.stdout(`${JSON.stringify({ asOf, exceptions: rows })}\n`);
    return EXIT.OK;
  }
  if (rows.length === 0) io.stdout(`no exceptions (as of ${asOf})\n`);
  for (const r of rows) {
    const left = r.active ? `${r.daysLeft} day${r.daysLeft === 1 ? '' : 's'} left` : `expired ${-r.daysLeft} day${r.daysLeft === -1 ? '' : 's'} ago`;
    io.stdout(`${r.id}  ${r.from.join(',')} → ${r.to.join(',')}  ${r.services.join(',')}  approved-by ${r.approvedBy}  expires ${r.expires} (${left})\n`);
  }
  return EXIT.OK;
}

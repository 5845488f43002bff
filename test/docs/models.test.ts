/**
 * docs/models.md and docs/ja/models.md show real commands and their real output (see
 * console.ts): every `$ sanso …` line is run and its output compared with the page. After a
 * deliberate change, SANSO_DOCS_UPDATE=1 rewrites the pages' outputs instead (review the diff).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { consoleCommands, refreshed, runConsole } from './console.js';

const PAGES = ['docs/models.md', 'docs/ja/models.md'];

for (const page of PAGES) {
  t.test(page, async (t) => {
    const text = readFileSync(page, 'utf8');
    if (process.env.SANSO_DOCS_UPDATE === '1') {
      writeFileSync(page, await refreshed(text));
      t.pass(`${page} rewritten`);
      return;
    }
    const commands = consoleCommands(text);
    t.ok(commands.length >= 10, `${page} shows commands (${commands.length})`);
    for (const c of commands) {
      t.equal(await runConsole(c.line), c.expected, `${page}:${c.at}: $ ${c.line}`);
    }
  });
}

t.test('every example rule set of the page is shown validating', async (t) => {
  const text = readFileSync('docs/models.md', 'utf8');
  const lines = consoleCommands(text).map((c) => c.line);
  for (const dir of ['examples/alpha-prime', 'examples/beta', 'examples/beta-prime']) {
    t.ok(lines.includes(`sanso validate --strict ${dir}`), dir);
  }
});

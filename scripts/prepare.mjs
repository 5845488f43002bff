// Run by package.json `prepare` (only where this file exists: a Docker stage without scripts/
// skips it). npm runs `prepare` after `npm install` in a checkout, when installing sanso from git
// (`npm i -D git+https://…`, with the dev dependencies installed for it), and before `npm pack`
// and `npm publish`. Each of those has the TypeScript sources, so dist/ is built here. A Docker
// stage that copies only package.json (or any install without src/) has nothing to build, and a
// production install of a checkout (`npm ci --omit=dev`) has no compiler: both skip with a note
// instead of failing the install. The build is incremental (tsconfig.build.json), so `npm pack`
// after `npm ci` re-emits only what changed since.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

if (!existsSync('src/cli/main.ts') || !existsSync('tsconfig.build.json')) process.exit(0);
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write('sanso prepare: typescript is not installed, so dist/ was not built; run `npm run build` after installing the dev dependencies\n');
  process.exit(0);
}
const r = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { stdio: 'inherit' });
process.exit(r.status ?? 1);

/**
 * sanso installs the way a city's rules repository uses it: `npm pack` (which runs `prepare`,
 * tsc's incremental build of dist/: quick when `npm ci` built it and nothing changed since), then
 * the tarball installed into a fresh project, where `npx sanso --version` and `npx sanso validate`
 * run the installed CLI. The install is offline (`--offline`: every dependency must come from the
 * npm cache, which `npm ci` filled), so this test needs no network. Slow (an install), so there
 * is only this one.
 *
 * Also checks what the tarball holds: the compiled CLI and library, the schemas and the sample
 * rules; not the TypeScript sources, tests, benchmarks or source maps.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { quickSkip } from '../tiers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; private?: boolean; bin: Record<string, string>; files: string[] };

interface LockEntry {
  version?: string;
  resolved?: string;
  dev?: boolean;
  devOptional?: boolean;
  [k: string]: unknown;
}

/**
 * A lock for a project whose one dev dependency is the tarball: sanso's runtime dependencies at
 * the versions (and tarball URLs and hashes) this repository's own lock pins. With it, `npm ci
 * --offline` resolves nothing from the registry and takes every tarball from the npm cache that
 * `npm ci` here filled, so the test needs no network.
 */
function lockFor(tarball: string): object {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const root = lock.packages['']! as LockEntry & { dependencies?: Record<string, string>; engines?: object };
  const packages: Record<string, LockEntry> = {
    '': { name: 'city-rules', version: '1.0.0', devDependencies: { sanso: tarball } },
    'node_modules/sanso': {
      version: pkg.version,
      resolved: tarball,
      dev: true,
      license: 'MIT',
      dependencies: root.dependencies,
      bin: { sanso: 'dist/bin/sanso.js' },
      engines: root.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev || entry.devOptional || !path.startsWith('node_modules/')) continue;
    // The registry's tarball URL where the lock leaves it out, so npm needs no package metadata.
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const resolved = entry.resolved ?? `https://registry.npmjs.org/${name}/-/${name.slice(name.indexOf('/') + 1)}-${entry.version}.tgz`;
    packages[path] = { ...entry, resolved, dev: true };
  }
  return { name: 'city-rules', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

t.test('package.json is ready to publish', async (t) => {
  t.notOk(pkg.private, 'not private');
  t.equal(pkg.bin.sanso, 'dist/bin/sanso.js');
  t.ok(pkg.files.length > 0);
});

t.test('npm pack, install the tarball offline into a fresh project, run it', { timeout: 300_000, skip: quickSkip('the pack-and-install test') ?? false }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'sanso-pack-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  // npm, tsc and the installed CLI run as on a user's machine: without the test runner's hooks,
  // which NODE_OPTIONS would load into every one of them (each collecting coverage of code that
  // is not src/).
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_loglevel: 'error' };
  delete env.NODE_OPTIONS;
  for (const k of Object.keys(env)) if (k.startsWith('_TAPJS_')) delete env[k];
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as {
    filename: string;
    files: { path: string }[];
  }[];
  const files = packed[0]!.files.map((f) => f.path);
  for (const want of [
    'package.json',
    'dist/bin/sanso.js',
    'dist/src/cli/main.js',
    'dist/src/cli/diff.js',
    'dist/src/diff/diff.js',
    'schemas/rules.schema.json',
    'schemas/api/diff-result.json',
    'rules/00-policy.yaml',
  ]) {
    t.ok(files.includes(want), `the tarball holds ${want}`);
  }
  for (const path of files) {
    if (/^(src|test|bench|bin)\/|^dist\/(test|bench)\/|\.map$|\.ts$|tsbuildinfo/.test(path)) t.fail(`the tarball should not hold ${path}`);
  }

  const project = join(work, 'city-rules');
  mkdirSync(project);
  const tarball = `file:../${packed[0]!.filename}`;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'city-rules', version: '1.0.0', private: true, devDependencies: { sanso: tarball } }));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lockFor(tarball)));
  cpSync(join(ROOT, 'rules'), join(project, 'rules'), { recursive: true });
  // npm ci from a lock: the versions this repository's lock pins, every tarball from the cache.
  // A cache that lacks some (node_modules copied in rather than installed) falls back to the
  // registry for just those tarballs.
  try {
    execFileSync('npm', ['ci', '--offline'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    t.comment('installed offline from the npm cache');
  } catch (e) {
    const err = String((e as { stderr?: Buffer }).stderr ?? e);
    if (!err.includes('ENOTCACHED')) throw e;
    t.comment('the npm cache lacks some tarballs: installing them from the registry');
    execFileSync('npm', ['ci', '--prefer-offline'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  const version = execFileSync('npx', ['--no-install', 'sanso', '--version'], { cwd: project, env, encoding: 'utf8' });
  t.equal(version, `sanso ${pkg.version}\n`);
  // npx found the installed bin once; the link it runs is called straight, one npm start less each.
  const sanso = join(project, 'node_modules/.bin/sanso');
  const validate = execFileSync(sanso, ['validate', '--strict', '--as-of', '2026-11-30'], {
    cwd: project,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.equal(validate, '', 'the sample city is clean');
  const diff = execFileSync(sanso, ['diff', 'rules', 'rules', '--format', 'json'], { cwd: project, env, encoding: 'utf8' });
  t.same(JSON.parse(diff).counts, { 'newly-allowed': 0, 'newly-denied': 0, 'reason-changed': 0 });
});

// Module hooks for running this repository's TypeScript unbuilt, in tests: esbuild strips the
// types of each .ts file (lines and names kept, an inline source map for stack traces and for
// tap's coverage), `./x.js` imports find `./x.ts` as tsc's NodeNext resolution does, and JSON is
// imported without an attribute as tsc's resolveJsonModule allows. Types are checked by tsc.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// What tsconfig.json says that changes emitted JavaScript (class fields are defined, as ES2022).
const tsconfigRaw = { compilerOptions: { target: 'ES2022', useDefineForClassFields: true } };

const isPath = (s) => s.startsWith('.') || s.startsWith('/') || s.startsWith('file:');

export async function resolve(specifier, context, next) {
  if (specifier.endsWith('.js') && isPath(specifier) && context.parentURL?.startsWith('file:')) {
    const js = new URL(specifier, context.parentURL);
    const ts = new URL(`${js.href.slice(0, -3)}.ts`);
    if (!existsSync(js) && existsSync(ts)) return { url: ts.href, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || url.includes('/node_modules/')) return next(url, context);
  if (url.endsWith('.json') && context.importAttributes?.type !== 'json') return next(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
  if (!url.endsWith('.ts')) return next(url, context);
  const path = fileURLToPath(url);
  return { format: 'module', source: await compiled(path, readFileSync(path, 'utf8')), shortCircuit: true };
}

/*
 * Compiled files are kept in node_modules/.cache, keyed by path, source and options: most test
 * processes then start no esbuild at all (it runs as a child process, one per process and worker
 * thread that needs it), which is most of what this loader costs once the cache is warm.
 */
const CACHE = new URL('../node_modules/.cache/sanso-test-loader/', import.meta.url);
const ESBUILD = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('esbuild/package.json'), 'utf8')).version;
let esbuild = null;

async function compiled(path, source) {
  const options = { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: path, tsconfigRaw };
  const key = createHash('sha256')
    .update(`${ESBUILD}\0${JSON.stringify(options)}\0${source}`)
    .digest('hex');
  const file = new URL(`${key}.js`, CACHE);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // transform, not transformSync: one esbuild service for the whole process.
    esbuild ??= await import('esbuild');
    const { code } = await esbuild.transform(source, options);
    try {
      mkdirSync(CACHE, { recursive: true });
      // Written aside and renamed, so a process reading at the same time never sees half a file.
      const tmp = new URL(`${key}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`, CACHE);
      writeFileSync(tmp, code);
      renameSync(tmp, file);
    } catch {
      // A cache that cannot be written is only slower.
    }
    return code;
  }
}

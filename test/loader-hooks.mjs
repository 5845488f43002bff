// Module hooks for running this repository's TypeScript unbuilt, in tests: esbuild strips the
// types of each .ts file (lines and names kept, an inline source map for stack traces and for
// tap's coverage), `./x.js` imports find `./x.ts` as tsc's NodeNext resolution does, and JSON is
// imported without an attribute as tsc's resolveJsonModule allows. Types are checked by tsc.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

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
  const { code } = transformSync(readFileSync(path, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    sourcefile: path,
    tsconfigRaw,
  });
  return { format: 'module', source: code, shortCircuit: true };
}

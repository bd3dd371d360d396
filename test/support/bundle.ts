/**
 * The build's bundling step (`npm run bundle`, after tsc): what the executable runs, as CommonJS
 * files in dist/ctrimg/. Not shipped code, so it lives with the tools under test/.
 *
 * esbuild splits a bundle only as ES modules, so it bundles cmdlets/main.js with `splitting` in
 * memory, then each output file is turned into CommonJS on its own (its imports of other chunks
 * become require() calls, dynamic imports too), keeping the split: each chunk is still loaded once
 * and shared. Node 20 loads ES modules through its ES module loader, some 20 ms of every command
 * on the bench machine beside the CommonJS loader the executable starts with anyway: the loader's
 * own modules, resolving and linking each file, and building each builtin's ES facade (the facade
 * of node:fs reads every export, fs.promises too, which loads readline).
 *
 * Also writes esbuild's metafile (dist/ctrimg-meta.json, the file names as written) for
 * test/unit/bundle.test.ts.
 */
import { build, transform } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const OUT = 'dist/ctrimg';
const META = 'dist/ctrimg-meta.json';
/** How esbuild names the ES modules it splits to, and what they are written as. */
const ESM = '.mjs';
const CJS = '.cjs';

const asCommonJs = (path: string) => (path.endsWith(ESM) ? path.slice(0, -ESM.length) + CJS : path);
/** A relative import of a sibling output file, as esbuild writes it. */
const SIBLING = /(["'])\.\/([\w-]+)\.mjs\1/g;

async function bundle(): Promise<void> {
  const result = await build({
    entryPoints: ['dist/cmdlets/main.js'],
    bundle: true,
    splitting: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // zstd-napi stays outside (only an install of zstd layers loads it), and so does semver (a
    // require on the first version that is not Windows-style). better-sqlite3 is bundled but for
    // its compiled addon, which store/db.ts loads by its path.
    external: ['zstd-napi'],
    // Every entry imports the specs: what the start shares with the runs is one chunk, not one
    // chunk per set of runs that share a module (in fifteen files, -? took about 7% longer).
    inject: ['dist/cmdlets/index.js'],
    outdir: OUT,
    outExtension: { '.js': ESM },
    chunkNames: '[name]-[hash]',
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  for (const file of result.outputFiles) {
    if (!file.path.endsWith(ESM)) continue;
    const code = await transform(file.text.replace(SIBLING, `$1./$2${CJS}$1`), {
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      // import() of a chunk becomes a require() in a promise: Node's import() would start the ES
      // module loader this step keeps out.
      supported: { 'dynamic-import': false },
      // createRequire(import.meta.url), as the modules that require a package lazily write it.
      define: { 'import.meta.url': '__importMetaUrl' },
      // Strict, as ES modules are and as the code (ours and the packages bundled) ran before.
      banner: ['"use strict";', file.text.includes('import.meta.url') ? 'var __importMetaUrl = require("node:url").pathToFileURL(__filename).href;' : ''].join('\n'),
      sourcefile: basename(file.path),
      logLevel: 'warning',
    });
    writeFileSync(join(OUT, basename(asCommonJs(file.path))), code.code);
  }
  const meta = result.metafile;
  const outputs = Object.fromEntries(
    Object.entries(meta.outputs).map(([path, out]) => [asCommonJs(path), { ...out, imports: out.imports.map((i) => ({ ...i, path: asCommonJs(i.path) })) }]),
  );
  writeFileSync(META, JSON.stringify({ ...meta, outputs }));
}

await bundle();

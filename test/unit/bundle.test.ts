/**
 * The executable's bundle (`npm run bundle`: esbuild with code splitting into dist/ctrimg/) loads
 * lazily: what every start loads (main.mjs and the chunks it imports statically) holds the cmdlet
 * specs, help and the runner, but no operation behind them. Each cmdlet's spec loads its run
 * (cmdlets/run/<Verb-Noun>.ts) by a dynamic import, and the runner loads parsing (yargs) only
 * after help was ruled out, so `ctrimg <Cmdlet> -?` starts nearly as fast as Node itself
 * (bench:scale measures it). Read from the metafile esbuild writes beside the bundle.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Metafile {
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown> }>;
}

const META = fileURLToPath(new URL('../../ctrimg-meta.json', import.meta.url));
const ENTRY = 'dist/ctrimg/main.mjs';

/** Packages a start must not load: HTTP, SQLite, tar, zstd, tables, argument parsing. */
const HEAVY_PACKAGES = ['undici', 'better-sqlite3', 'tar-stream', 'zstd-napi', 'cli-table3', 'yargs'];
/** Modules of ours only a run needs: the store, registry, layers, archives and each cmdlet's run. */
const RUN_ONLY = ['dist/store/', 'dist/src/registry/', 'dist/src/layers/', 'dist/src/archive/', 'dist/src/content/store.js', 'dist/cmdlets/run/', 'dist/src/cli/parse.js'];

function loadedAtStart(meta: Metafile): { outputs: string[]; inputs: string[]; packages: string[] } {
  const outputs = new Set<string>();
  const packages = new Set<string>();
  const walk = (file: string) => {
    if (outputs.has(file)) return;
    const out = meta.outputs[file];
    assert.ok(out, `${file} is not among the bundle's outputs`);
    outputs.add(file);
    for (const i of out.imports) {
      if (i.kind !== 'import-statement' && i.kind !== 'require-call') continue;
      if (i.external) packages.add(i.path);
      else walk(i.path);
    }
  };
  walk(ENTRY);
  const inputs = [...outputs].flatMap((o) => Object.keys(meta.outputs[o]!.inputs));
  for (const input of inputs) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) packages.add(m[1]!);
  }
  return { outputs: [...outputs], inputs, packages: [...packages] };
}

describe('bundle (lazy loading of the executable)', () => {
  const meta = JSON.parse(readFileSync(META, 'utf8')) as Metafile;
  const start = loadedAtStart(meta);

  it('loads the specs and the runner at start', () => {
    // A walk that found nothing would pass the checks below.
    for (const needed of ['dist/cmdlets/index.js', 'dist/cmdlets/Get-ContainerImage.js', 'dist/src/cli/run.js', 'dist/src/cli/help.js']) {
      assert.ok(start.inputs.includes(needed), `${needed} is not loaded at start`);
    }
  });

  it('loads no heavy package at start', () => {
    assert.deepEqual(start.packages.filter((p) => HEAVY_PACKAGES.includes(p)), []);
  });

  it('loads no module only a run needs at start', () => {
    assert.deepEqual(start.inputs.filter((i) => RUN_ONLY.some((r) => i.startsWith(r))), []);
  });

  it('puts each cmdlet run behind a dynamic import of its own', () => {
    const runs = Object.entries(meta.outputs).filter(([, o]) => Object.keys(o.inputs).some((i) => i.startsWith('dist/cmdlets/run/')));
    assert.ok(runs.length >= 11, `only ${runs.length} outputs hold a cmdlet run`);
    const dynamic = new Set(Object.values(meta.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path)));
    for (const [file, o] of runs) {
      assert.ok(dynamic.has(file), `${file} (${Object.keys(o.inputs).join(', ')}) is not loaded by a dynamic import`);
    }
  });
});

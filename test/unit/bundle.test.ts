/**
 * The executable's bundle (`npm run bundle`: esbuild with code splitting into dist/ctrimg/) loads
 * lazily: what every start loads (main.cjs and the chunks it imports statically) holds the cmdlet
 * specs, help and the runner, but no operation behind them. Each cmdlet's spec loads its run
 * (cmdlets/run/<Verb-Noun>.ts) by a dynamic import, and the runner loads parsing (yargs-parser) only
 * after help was ruled out, so `ctrimg <Cmdlet> -?` starts nearly as fast as Node itself
 * (bench:scale measures it). Read from the metafile esbuild writes beside the bundle.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ctrimg } from '../support/ctrimg.js';

interface Metafile {
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown> }>;
}

const META = fileURLToPath(new URL('../../ctrimg-meta.json', import.meta.url));
const ENTRY = 'dist/ctrimg/main.cjs';

/** Packages a start must not load: HTTP, SQLite, tar, zstd, tables, argument parsing. */
const HEAVY_PACKAGES = ['undici', 'better-sqlite3', 'tar-stream', 'zstd-napi', 'cli-table3', 'yargs-parser'];
/** Modules of ours only a run needs: the store, registry, layers, archives and each cmdlet's run. */
const RUN_ONLY = ['dist/store/', 'dist/src/registry/', 'dist/src/layers/', 'dist/src/archive/', 'dist/src/content/store.js', 'dist/cmdlets/run/', 'dist/src/cli/parse.js', 'dist/src/cli/resolve.js'];

/** What loading `entry` loads before any of its code runs: its static imports, transitively. */
function loadedAtStart(meta: Metafile, entry = ENTRY): { outputs: string[]; inputs: string[]; packages: string[] } {
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
  walk(entry);
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

  it('loads the start from a few files', () => {
    // Each file is resolved, read and linked on its own; the specs injected into every entry
    // (package.json's bundle script) keep what the start shares with the runs in one chunk.
    assert.ok(start.outputs.length <= 6, `the start loads ${start.outputs.length} files: ${start.outputs.join(', ')}`);
  });

  it('loads no heavy package at start', () => {
    assert.deepEqual(start.packages.filter((p) => HEAVY_PACKAGES.includes(p)), []);
  });

  it('loads no module only a run needs at start', () => {
    assert.deepEqual(start.inputs.filter((i) => RUN_ONLY.some((r) => i.startsWith(r))), []);
  });

  it('loads no builtin at start that only a run or a question needs (crypto, readline)', () => {
    // Help's -? must cost little more than Node's bare start; these took several ms each.
    assert.deepEqual(start.packages.filter((p) => ['node:crypto', 'node:readline', 'node:readline/promises'].includes(p)), []);
  });

  const outputOf = (input: string) => {
    const found = Object.entries(meta.outputs).find(([, o]) => Object.keys(o.inputs).includes(input));
    assert.ok(found, `no output holds ${input}`);
    return found[0];
  };

  it('loads the registry client (undici) only on the first registry call', () => {
    // ops/context.ts imports it then: listing and removing never make one.
    const context = loadedAtStart(meta, outputOf('dist/src/ops/context.js'));
    assert.ok(context.inputs.some((i) => i.startsWith('dist/src/importers/')), 'the walk does not see what ops/context.js loads');
    assert.deepEqual(context.packages.filter((p) => p === 'undici'), []);
    assert.deepEqual(context.inputs.filter((i) => i.startsWith('dist/src/registry/')), []);
    const install = loadedAtStart(meta, outputOf('dist/cmdlets/run/Install-ContainerImage.js'));
    assert.ok(install.inputs.some((i) => i.startsWith('dist/src/registry/')), 'the walk does not see what Install-ContainerImage loads');
  });

  it('opens the store alone for a listing and a -WhatIf removal: no importer, content store, hashing or child process', () => {
    // cmdlets/context.ts imports ops/context.ts (and so the rest) only in withOps.
    for (const cmdlet of ['Get-ContainerImage', 'Remove-ContainerImage']) {
      const run = loadedAtStart(meta, outputOf(`dist/cmdlets/run/${cmdlet}.js`));
      assert.ok(run.inputs.includes('dist/src/ops/store-context.js'), `${cmdlet}'s run does not load ops/store-context.js: the walk found nothing`);
      const heavy = run.inputs.filter((i) => /^dist\/src\/(ops\/context|content\/store|importers\/(?!kinds\.js)|registry\/)/.test(i));
      assert.deepEqual(heavy, [], `${cmdlet}'s run loads modules only changes need`);
      const builtins = run.packages.filter((p) => ['node:crypto', 'node:child_process', 'tar-stream', 'undici'].includes(p));
      assert.deepEqual(builtins, [], `${cmdlet}'s run loads packages only changes need`);
    }
  });

  it('requires at run time only the packages README names as outside the bundle, all of them dependencies', () => {
    // A package loaded through createRequire (semver on first use), or found there (better-sqlite3's
    // compiled addon), is not in the metafile: esbuild leaves the call as it is, and the package
    // must be found in node_modules. The files are CommonJS, so the externals esbuild left are
    // require() calls too.
    const dir = fileURLToPath(new URL('../../ctrimg/', import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.cjs'));
    assert.ok(files.length > 10, `only ${files.length} files in ${dir}`);
    const required = new Set<string>();
    for (const file of files) {
      for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/\brequire\d*(?:\.resolve)?\("([^"]+)"\)|createRequire\)\(\w+\)(?:\.resolve)?\("([^"]+)"\)/g)) {
        const name = (m[1] ?? m[2])!;
        if (!name.startsWith('node:') && !name.startsWith('./') && !isBuiltin(name)) required.add(name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]!);
      }
    }
    assert.deepEqual([...required].sort(), ['better-sqlite3', 'semver', 'zstd-napi']);
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { dependencies: Record<string, string> };
    for (const name of required) assert.ok(pkg.dependencies[name], `${name} is required at run time but is not a dependency`);
  });

  it('types parameters with yargs-parser alone, without the yargs front end and its Unicode tables', () => {
    assert.ok(loadedAtStart(meta, outputOf('dist/src/cli/parse.js')).packages.includes('yargs-parser'), 'the walk does not see yargs-parser where parsing loads it');
    // cliui and string-width build Intl.Segmenters when loaded: 40 ms of every command with a value.
    const inputs = Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs));
    assert.deepEqual(inputs.filter((i) => /node_modules\/(yargs|cliui|string-width)\//.test(i)), []);
  });

  it('puts each cmdlet run behind a dynamic import of its own', () => {
    const runs = Object.entries(meta.outputs).filter(([, o]) => Object.keys(o.inputs).some((i) => i.startsWith('dist/cmdlets/run/')));
    assert.ok(runs.length >= 11, `only ${runs.length} outputs hold a cmdlet run`);
    const dynamic = new Set(Object.values(meta.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path)));
    for (const [file, o] of runs) {
      assert.ok(dynamic.has(file), `${file} (${Object.keys(o.inputs).join(', ')}) is not loaded by a dynamic import`);
    }
  });

  it('runs as CommonJS: a listing and help never start the ES module loader, nor load node:fs/promises', async () => {
    // Node loads its ES module loader's modules only for an ES module (or an import()): some 20 ms.
    const dir = await mkdtemp(join(tmpdir(), 'ctrimg-bundle-'));
    try {
      const probe = join(dir, 'probe.cjs');
      await writeFile(probe, "process.on('exit', () => require('node:fs').writeFileSync(process.env.PROBE_OUT, process.moduleLoadList.join('\\n')));\n");
      for (const args of [['Get-ContainerImage'], ['Get-ContainerImage', '-?']]) {
        const out = join(dir, 'modules.txt');
        const r = await ctrimg(join(dir, 'store'), args, { env: { NODE_OPTIONS: `--require ${probe}`, PROBE_OUT: out } });
        assert.equal(r.code, 0, r.stderr);
        const loaded = (await readFile(out, 'utf8')).split('\n');
        assert.ok(loaded.includes('NativeModule internal/modules/cjs/loader'), `the probe saw no module list: ${loaded.length} lines`);
        assert.deepEqual(loaded.filter((m) => /internal\/modules\/esm\/(module_job|translators)/.test(m)), [], `${args.join(' ')} loads ES modules`);
        // node:fs/promises loads readline too: some 4 ms that only deleting and installing need.
        assert.ok(!loaded.includes('NativeModule fs/promises'), `${args.join(' ')} loads node:fs/promises`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps every file strict, as the ES modules it is made from were', () => {
    const dir = fileURLToPath(new URL('../../ctrimg/', import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.cjs'));
    assert.ok(files.length > 10, `only ${files.length} files in ${dir}`);
    assert.deepEqual(files.filter((f) => !readFileSync(join(dir, f), 'utf8').startsWith('"use strict";')), []);
  });

  it('says in one line that it cannot start when the bundle is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ctrimg-nobundle-'));
    try {
      // The executable alone, where no dist/ctrimg/ lies beside it.
      await mkdir(join(dir, 'src'));
      await copyFile(fileURLToPath(new URL('../../src/cli.cjs', import.meta.url)), join(dir, 'src', 'cli.cjs'));
      const r = spawnSync(process.execPath, [join(dir, 'src', 'cli.cjs'), 'Get-ContainerImage'], { encoding: 'utf8' });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^ctrimg: cannot start: Cannot find module .*main\.cjs'? .*\[INTERNAL\]\n$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The module map of DESIGN.md, enforced (in the spirit of go-containerregistry's depcheck): every
 * import in src/, cmdlets/ and store/ points down the map or stays in its own layer, the
 * packages that belong to one layer are imported only there, no package is imported that
 * package.json lists only among its devDependencies, and cmdlets/ and src/format (no I/O there)
 * import no Node builtin.
 *
 * The map as enforced, top to bottom (a layer may import any layer below it):
 *   src/cli.cts    the executable: settles the runtime, then loads the composition root
 *   cmdlets/       one file per verb, and main.ts, the composition root that lists them
 *   src/cli/       parsing, help, terminal I/O, the runner
 *   src/format/    renderers; owns OutputFormat
 *   src/ops/       use cases; owns the progress and reporter types it emits
 *   src/archive/   image sources and sinks on files
 *   src/registry/  transport, auth, the registry source
 *   src/importers/ LayerImporter (dir, hcs): writes layers into the store with src/layers' tools
 *   src/content/   the content store
 *   src/layers/    tar, decompression, paths inside a root, whiteouts, tree removal
 *   src/image/     references, digests, media types, manifests, platforms (pure)
 *   store/         SQLite
 * src/errors.ts, src/redact.ts, src/programs.ts (the runner of host programs), src/suggest.ts
 * ("did you mean") and src/streaming-profile.ts (the process-wide switch of how V8 runs while
 * layer bytes flow) are shared leaves: any layer imports them, they import no other module of
 * ours. test/ sits above everything and is not checked here.
 *
 * Import specifiers are read with TypeScript's own preProcessFile, which sees `import type`,
 * `export ... from` and dynamic `import()` alike.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { extname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Top to bottom; the longest matching prefix names a file's layer. */
const LAYERS = [
  'src/cli.cts',
  'cmdlets',
  'src/cli',
  'src/format',
  'src/ops',
  'src/archive',
  'src/registry',
  'src/importers',
  'src/content',
  'src/layers',
  'src/image',
  'store',
] as const;

const LEAVES = ['src/errors.ts', 'src/redact.ts', 'src/programs.ts', 'src/suggest.ts', 'src/streaming-profile.ts'];

/** Packages that belong to one or a few layers: SQL only in store/, HTTP only in src/registry, ... */
const PACKAGE_HOMES: Record<string, readonly string[]> = {
  'better-sqlite3': ['store'],
  undici: ['src/registry'],
  'yargs-parser': ['src/cli'],
  'cli-table3': ['src/format'],
  'tar-stream': ['src/layers'],
  'zstd-napi': ['src/layers'],
  semver: ['src/image'],
  yaml: ['src/ops'],
};

/** Layers DESIGN.md keeps free of I/O (cmdlets: "no logic, no I/O"; src/format: "pure renderers"): no Node builtin. */
const NO_BUILTINS = ['cmdlets', 'src/format'];

const ROOTS = ['src', 'cmdlets', 'store'];

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** What an install without devDependencies (npm ci --omit=dev) has: production code imports only these. */
const DEPENDENCIES = new Set(Object.keys((JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: object }).dependencies));

interface Import {
  /** Repository-relative, forward slashes, e.g. `src/format/images.ts`. */
  from: string;
  /** As written in the source. */
  specifier: string;
  /** For a relative specifier, the repository-relative source file it names (`.js` read as `.ts`). */
  target?: string;
}

/** The import specifiers of one source file: static, type-only, re-exports and dynamic import(). */
function specifiersOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

const TS_OF: Record<string, string> = { '.js': '.ts', '.cjs': '.cts', '.mjs': '.mts' };

function resolveRelative(from: string, specifier: string): string {
  const joined = posix.normalize(posix.join(posix.dirname(from), specifier));
  const ext = extname(joined);
  return ext in TS_OF ? joined.slice(0, -ext.length) + TS_OF[ext] : joined;
}

function importsOf(from: string, source: string): Import[] {
  return specifiersOf(source).map((specifier) =>
    specifier.startsWith('.') ? { from, specifier, target: resolveRelative(from, specifier) } : { from, specifier },
  );
}

function layerOf(file: string): string | undefined {
  const matches = LAYERS.filter((l) => file === l || file.startsWith(`${l}/`));
  return matches.sort((a, b) => b.length - a.length)[0];
}

const rank = (layer: string) => LAYERS.indexOf(layer as (typeof LAYERS)[number]);

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** One line per import that breaks the map: file, import, rule. */
function violations(imports: Import[]): string[] {
  const out: string[] = [];
  for (const imp of imports) {
    const at = `${imp.from} imports '${imp.specifier}'`;
    const fromLeaf = LEAVES.includes(imp.from);
    const fromLayer = layerOf(imp.from);
    if (!fromLeaf && fromLayer === undefined) {
      out.push(`${imp.from} is in no layer of the module map: add its directory to LAYERS`);
      continue;
    }
    if (imp.target === undefined) {
      if (isBuiltin(imp.specifier)) {
        if (fromLayer && NO_BUILTINS.includes(fromLayer)) out.push(`${at}: ${fromLayer} does no I/O and imports no Node builtin`);
        continue;
      }
      const pkg = packageName(imp.specifier);
      if (!DEPENDENCIES.has(pkg)) {
        out.push(`${at}: ${pkg} is not among package.json's dependencies (a devDependency is not installed with the package)`);
        continue;
      }
      const homes = PACKAGE_HOMES[pkg];
      if (homes && !(fromLayer && homes.includes(fromLayer))) out.push(`${at}: ${pkg} is used only in ${homes.join(', ')}`);
      continue;
    }
    if (LEAVES.includes(imp.target)) continue;
    const toLayer = layerOf(imp.target);
    if (toLayer === undefined) {
      out.push(`${at}: ${imp.target} is outside the module map (production code never imports test/)`);
    } else if (fromLeaf) {
      out.push(`${at}: ${imp.from} is a shared leaf and imports no other module of ours`);
    } else if (rank(toLayer) < rank(fromLayer!)) {
      out.push(`${at}: ${fromLayer} may not import ${toLayer}, which is above it in the module map`);
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(REPO, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.[cm]?ts$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => relative(REPO, join(e.parentPath, e.name)).split(sep).join('/'));
}

describe('layering (the module map of DESIGN.md)', () => {
  const files = ROOTS.flatMap(sourceFiles);
  const imports = files.flatMap((f) => importsOf(f, readFileSync(join(REPO, f), 'utf8')));

  it('reads the whole import graph', () => {
    // A parser that saw nothing would let every rule pass.
    assert.ok(files.length > 80, `only ${files.length} source files found under ${REPO}`);
    assert.ok(imports.filter((i) => i.target).length > 300, 'too few relative imports read');
    for (const layer of ['cmdlets', 'src/cli', 'src/format', 'src/ops', 'src/registry', 'src/content', 'src/layers', 'src/image', 'store']) {
      assert.ok(files.some((f) => layerOf(f) === layer), `no file found in ${layer}`);
    }
  });

  it('has every import pointing down the map, and packages only in their layers', () => {
    const found = violations(imports);
    assert.deepEqual(found, [], `imports against the module map:\n  ${found.join('\n  ')}`);
  });

  it('has every relative import naming a file that exists', () => {
    const known = new Set(files);
    const missing = imports.filter((i) => i.target && !known.has(i.target)).map((i) => `${i.from} imports '${i.specifier}'`);
    assert.deepEqual(missing, []);
  });

  describe('the checker', () => {
    it('reads import type, export-from, side-effect and dynamic imports', () => {
      const source = [
        "import type { A } from './a.js';",
        "import { type B, c } from '../b.js';",
        "export { d } from './d.js';",
        "export * from './e.js';",
        "import './f.js';",
        "const g = await import('./g.js');",
        "import h = require('./h.cjs');",
      ].join('\n');
      assert.deepEqual(specifiersOf(source), ['./a.js', '../b.js', './d.js', './e.js', './f.js', './g.js', './h.cjs']);
    });

    it('names the file, the import and the rule for an upward import', () => {
      const found = violations(importsOf('src/ops/x.ts', "import type { OutputFormat } from '../format/output.js';"));
      assert.deepEqual(found, [
        "src/ops/x.ts imports '../format/output.js': src/ops may not import src/format, which is above it in the module map",
      ]);
    });

    it('allows imports down the map, inside a layer and of the shared leaves', () => {
      const source = "import '../image/digest.js'; import './y.js'; import '../errors.js'; import '../../store/index.js'; import 'node:fs';";
      assert.deepEqual(violations(importsOf('src/ops/x.ts', source)), []);
      assert.deepEqual(violations(importsOf('src/cli.cts', "void import('../cmdlets/main.js');")), []);
    });

    it('keeps packages in their layers', () => {
      assert.deepEqual(violations(importsOf('src/ops/x.ts', "import Database from 'better-sqlite3'; import { request } from 'undici';")), [
        "src/ops/x.ts imports 'better-sqlite3': better-sqlite3 is used only in store",
        "src/ops/x.ts imports 'undici': undici is used only in src/registry",
      ]);
      assert.deepEqual(violations(importsOf('store/x.ts', "import Database from 'better-sqlite3';")), []);
      assert.deepEqual(violations(importsOf('src/image/x.ts', "import tar from 'tar-stream'; import semver from 'semver';")), [
        "src/image/x.ts imports 'tar-stream': tar-stream is used only in src/layers",
      ]);
    });

    it('keeps Node builtins out of cmdlets/ and src/format', () => {
      assert.deepEqual(violations(importsOf('src/format/x.ts', "import { readFile } from 'node:fs/promises';")), [
        "src/format/x.ts imports 'node:fs/promises': src/format does no I/O and imports no Node builtin",
      ]);
      assert.deepEqual(violations(importsOf('cmdlets/X.ts', "import fs from 'fs';")), ["cmdlets/X.ts imports 'fs': cmdlets does no I/O and imports no Node builtin"]);
      assert.deepEqual(violations(importsOf('src/cli/x.ts', "import fs from 'node:fs';")), []);
    });

    it('allows only builtins and the dependencies of package.json, not devDependencies', () => {
      assert.deepEqual(violations(importsOf('src/ops/x.ts', "import ts from 'typescript'; import { it } from 'mocha'; import fs from 'fs'; import 'node:path';")), [
        "src/ops/x.ts imports 'typescript': typescript is not among package.json's dependencies (a devDependency is not installed with the package)",
        "src/ops/x.ts imports 'mocha': mocha is not among package.json's dependencies (a devDependency is not installed with the package)",
      ]);
    });

    it('refuses files outside the map, test imports and leaves that import', () => {
      assert.deepEqual(violations(importsOf('src/tools/x.ts', "import './y.js';")), [
        'src/tools/x.ts is in no layer of the module map: add its directory to LAYERS',
      ]);
      assert.deepEqual(violations(importsOf('src/ops/x.ts', "import '../../test/support/stores.js';")), [
        "src/ops/x.ts imports '../../test/support/stores.js': test/support/stores.ts is outside the module map (production code never imports test/)",
      ]);
      assert.deepEqual(violations(importsOf('src/errors.ts', "import './image/digest.js';")), [
        "src/errors.ts imports './image/digest.js': src/errors.ts is a shared leaf and imports no other module of ours",
      ]);
    });
  });
});

/**
 * containerd as the yardstick (DESIGN rule 7): every case of test/support/archive-cases.ts is
 * imported with the dir importer, layer by layer with its parents, then merged into a
 * container, and the merged tree must equal the one containerd unpacked for the same image,
 * as recorded in test/fixtures/containerd-cases/expected.json (made by ./regen beside it with a
 * real containerd; no containerd runs here; which of its snapshotters is the yardstick, and
 * why, is regen.ts's runCase). Where containerd refuses or fails, ctrimg must
 * refuse too (INVALID_TAR or UNSAFE_TAR) and leave nothing half-made. Whatever the outcome, a
 * sentinel directory beside the store, which the climbing links aim at, must be untouched.
 *
 * Where ctrimg differs from containerd on purpose, the case says so (archive-cases.ts): a field
 * of an entry (`diverges`) or the whole outcome (`outcome`), each with its reason; a declaration
 * that no longer differs from containerd's result fails, so none outlives its reason.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CtrimgError } from '../../../src/errors.js';
import { DirImporter } from '../../../src/importers/dir.js';
import { archiveCases, layerTar, type ArchiveCase, type Divergence } from '../../support/archive-cases.js';
import { canonicalTree, nowNs, treeDiff, type CanonicalEntry } from '../../support/canonical-tree.js';
import { listTree, tempRoot } from '../../support/tars.js';

type Expected = { from: string; tree: CanonicalEntry[] } | { from: string; error: { class: 'refused' | 'failed'; message: string } };

const GOLDEN = new URL('../../../../test/fixtures/containerd-cases/expected.json', import.meta.url);
const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as { containerd: string; cases: Record<string, Expected> };
const cases = await archiveCases();
const importer = new DirImporter();

/** containerd's tree with the case's declared divergences in it: the tree ctrimg must give. */
function withDivergences(tree: CanonicalEntry[], diverges: Divergence[] = []): CanonicalEntry[] {
  return tree.map((entry) => {
    const changed: Record<string, unknown> = { ...entry };
    for (const d of diverges.filter((d) => d.path === entry.path)) {
      for (const [field, value] of Object.entries(d.ctrimg)) {
        if (value === undefined) delete changed[field];
        else changed[field] = value;
      }
    }
    return changed as unknown as CanonicalEntry;
  });
}

describe(`importers/dir gives containerd's tree (${golden.containerd})`, () => {
  it('has a golden result for every case, and no result without a case', () => {
    assert.deepEqual(Object.keys(golden.cases).sort(), cases.map((c) => c.name).sort());
  });

  it("declares each divergence against a field or outcome of containerd's that it changes", () => {
    for (const kase of cases) {
      const expected = golden.cases[kase.name]!;
      if (kase.outcome) {
        assert.ok(!kase.diverges, `${kase.name}: an outcome of its own, or divergences, not both`);
        if ('refused' in kase.outcome) assert.ok('tree' in expected, `${kase.name}: containerd refuses too`);
        else assert.notDeepEqual('tree' in expected ? expected.tree : undefined, kase.outcome.tree, `${kase.name}: containerd gives that tree`);
      }
      for (const d of kase.diverges ?? []) {
        assert.ok('tree' in expected, `${kase.name}: containerd gives no tree to diverge from`);
        const entry = expected.tree.find((e) => e.path === d.path);
        assert.ok(entry, `${kase.name}: containerd's tree has no ${d.path}`);
        for (const [field, value] of Object.entries(d.ctrimg)) {
          assert.notEqual(entry[field as keyof CanonicalEntry], value, `${kase.name}: ${d.path}: containerd's ${field} is ctrimg's`);
        }
        assert.ok(d.because.length > 0);
      }
    }
  });

  let root: string;
  let cleanup: () => Promise<void>;
  let layers: string;
  let containers: string;
  let sentinel: string;
  beforeEach(async () => {
    ({ root, cleanup } = await tempRoot());
    layers = join(root, 'store', 'layers');
    containers = join(root, 'store', 'containers');
    sentinel = join(root, 'sentinel');
    await mkdir(layers, { recursive: true });
    await mkdir(containers);
    await mkdir(sentinel);
    await writeFile(join(sentinel, 'passwd'), 'untouched');
  });
  afterEach(() => cleanup());

  /** Imports the layers base first, each with its parents nearest first; the paths made, nearest first. */
  async function importAll(kase: ArchiveCase, made: string[]): Promise<string[]> {
    for (const [i, layer] of kase.layers.entries()) {
      const layerPath = join(layers, `l${i}`);
      await importer.importLayer(Readable.from([await layerTar(layer)]), layerPath, { parents: [...made].reverse(), warn: () => {} });
      made.push(layerPath);
    }
    return [...made].reverse();
  }

  async function assertSentinel(): Promise<void> {
    assert.deepEqual(await listTree(sentinel), ['passwd'], 'nothing written beside the store');
    assert.equal(await readFile(join(sentinel, 'passwd'), 'utf8'), 'untouched');
    assert.deepEqual((await readdir(root)).sort(), ['sentinel', 'store']);
  }

  for (const kase of cases) {
    const result = golden.cases[kase.name];
    it(kase.name, async () => {
      assert.ok(result, `no golden result: run test/fixtures/containerd-cases/regen`);
      // What ctrimg must do: its own outcome where the case declares one, else containerd's with the declared divergences.
      // A tree, or undefined for a refusal.
      const own = kase.outcome;
      const want = own && 'tree' in own ? own.tree : !own && 'tree' in result ? withDivergences(result.tree, kase.diverges) : undefined;
      const label = own ? 'the outcome the case declares' : 'containerd';
      const ownRefusal = own && 'refused' in own ? own : undefined;
      const codes: string[] = ownRefusal ? [ownRefusal.refused] : ['INVALID_TAR', 'UNSAFE_TAR'];
      const said = ownRefusal ? `ctrimg refuses: ${ownRefusal.because}` : 'error' in result ? `containerd ${result.error.class}: ${result.error.message}` : '';
      const made: string[] = [];
      let failure: unknown;
      try {
        if (!want) {
          await assert.rejects(
            async () => importer.createContainer(join(containers, 'c'), await importAll(kase, made)),
            (err: unknown) => {
              assert.ok(err instanceof CtrimgError, `${said}; ctrimg: ${String(err)}`);
              assert.ok(codes.includes(err.code), `${err.code}: ${err.message}`);
              return true;
            },
            said,
          );
          // Only the layers imported before the refusal are there; nothing half-made.
          assert.deepEqual((await readdir(layers)).sort(), made.map((p) => p.slice(layers.length + 1)).sort());
          assert.deepEqual(await readdir(containers), []);
        } else {
          const from = nowNs() - 1_000_000_000n;
          const container = join(containers, 'c');
          await importer.createContainer(container, await importAll(kase, made));
          const tree = await canonicalTree(container, { from, to: nowNs() + 1_000_000_000n });
          assert.deepEqual(tree, want, `differs from ${label}:\n  ${treeDiff(tree, want, label).join('\n  ')}`);
        }
      } catch (err) {
        failure = err;
      }
      await assertSentinel();
      if (failure) throw failure;
    });
  }
});

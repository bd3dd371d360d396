/**
 * The dir importer writes small files side by side on the thread pool, yet the result must be
 * what unpacking the entries one after the other gives. Seeded random tars that reuse a few
 * dozen paths (files written over, replaced by symlinks, hard-linked while still being
 * written, directories turned into files and back) are checked against a model of that.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DirImporter } from '../../../src/importers/dir.js';
import { prng } from '../../support/prng.js';
import { dir, file, hardlink, listTree, symlink, tarStream, tempRoot, type TarEntry } from '../../support/tars.js';

type Node = { type: 'file'; data: string } | { type: 'symlink'; target: string } | { type: 'dir' };

/** Applies one entry to the model the way a sequential unpack does. */
function apply(model: Map<string, Node>, e: TarEntry): void {
  const removeBelow = (p: string) => {
    for (const k of [...model.keys()]) if (k.startsWith(`${p}/`)) model.delete(k);
  };
  const ensureParents = (p: string) => {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (model.get(d)?.type !== 'dir') model.set(d, { type: 'dir' });
    }
  };
  ensureParents(e.name);
  if (e.type === 'directory') {
    if (model.get(e.name)?.type !== 'dir') model.set(e.name, { type: 'dir' });
    return;
  }
  removeBelow(e.name);
  if (e.type === 'symlink') model.set(e.name, { type: 'symlink', target: e.linkname! });
  else if (e.type === 'link') model.set(e.name, { type: 'file', data: (model.get(e.linkname!) as { data: string }).data });
  else model.set(e.name, { type: 'file', data: String(e.data) });
}

/** A random tar over a small set of paths, and the tree unpacking it must give. */
function randomLayer(seed: number, count: number): { entries: TarEntry[]; model: Map<string, Node> } {
  const rand = prng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const tops = ['a', 'b', 'c'];
  const names = ['x', 'y', 'z', 'w'];
  const model = new Map<string, Node>();
  const entries: TarEntry[] = [];
  let last: string | undefined;
  let lastFile: string | undefined;
  for (let i = 0; i < count; i++) {
    // A path's parents must not be files or symlinks: that is a bad tar, tested elsewhere.
    // Half the time the path of the entry just before: it is likely still being written.
    const top = pick(tops);
    const path = last && rand() < 0.5 ? last : rand() < 0.2 ? top : `${top}/${pick(names)}`;
    const parentOk = !path.includes('/') || [undefined, 'dir'].includes(model.get(top)?.type);
    if (!parentOk) continue;
    const roll = rand();
    // A link to a file below its own path would remove its target when it replaces the directory.
    const files = [...model].filter(([p, n]) => n.type === 'file' && p !== path && !p.startsWith(`${path}/`)).map(([p]) => p);
    let e: TarEntry;
    if (roll < 0.55) e = file(path, `${path} #${i} ${'.'.repeat(Math.floor(rand() * 3000))}`);
    else if (roll < 0.7) e = symlink(path, `../target-${i}`);
    else if (roll < 0.85 && files.length) e = hardlink(path, lastFile && files.includes(lastFile) && rand() < 0.7 ? lastFile : pick(files));
    else if (!path.includes('/')) e = dir(path);
    else e = file(path, `${path} #${i}`);
    entries.push(e);
    apply(model, e);
    if (e.type === undefined) lastFile = path;
    last = path;
  }
  return { entries, model };
}

describe('importers/dir: files written side by side keep the order of the tar', () => {
  const importer = new DirImporter();
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ root, cleanup } = await tempRoot()));
  afterEach(() => cleanup());

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`gives what one entry after the other gives (seed ${seed}, 1000 entries)`, async () => {
      const { entries, model } = randomLayer(seed, 1000);
      const layer = join(root, 'layers', 'L');
      await mkdir(join(root, 'layers'));
      await importer.importLayer(await tarStream(entries), layer, { parents: [] });

      const expected = [...model].map(([p, n]) => (n.type === 'dir' ? `${p}/` : p)).sort();
      assert.deepEqual(await listTree(layer), expected);
      for (const [p, n] of model) {
        const path = join(layer, p);
        const st = await lstat(path);
        if (n.type === 'file') {
          assert.ok(st.isFile(), `${p} is a file`);
          assert.equal(await readFile(path, 'utf8'), n.data, `${p} holds its last entry's bytes`);
        } else if (n.type === 'symlink') {
          assert.ok(st.isSymbolicLink(), `${p} is a symlink`);
          assert.equal(await readlink(path), n.target);
        } else {
          assert.ok(st.isDirectory(), `${p} is a directory`);
        }
      }
    });
  }
});

import assert from 'node:assert/strict';
import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_LINKS, MergedView, TooManyLinks } from '../../../src/layers/merged-view.js';
import { tempRoot } from '../../support/tars.js';

describe('layers/merged-view', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ root, cleanup } = await tempRoot()));
  afterEach(() => cleanup());

  /** Writes a layer diff: names ending in '/' are directories, `a -> b` symlinks, anything else empty files. */
  async function layer(name: string, entries: string[]): Promise<string> {
    const dir = join(root, name);
    await mkdir(dir);
    for (const e of entries) {
      const [path, target] = e.split(' -> ');
      if (target !== undefined) await symlink(target, join(dir, path!));
      else if (path!.endsWith('/')) await mkdir(join(dir, path!), { recursive: true });
      else await writeFile(join(dir, path!), '');
    }
    return dir;
  }

  describe("this layer's own entries, known from memory", () => {
    it('resolves symlinks like fs.RootPath: relative to their directory, absolute from the root, .. clamped at the root', async () => {
      // The layer directory does not exist: nothing is read from disk.
      const view = new MergedView(join(root, 'absent'), []);
      view.made('usr', 'dir');
      view.made('usr/lib', 'dir');
      view.made('lib', 'symlink', 'usr/lib');
      view.made('abs', 'symlink', '/usr');
      view.made('up', 'symlink', '../../../usr/lib');
      view.made('usr/self', 'symlink', '.');
      view.made('chain', 'symlink', 'abs/self/lib/../lib');
      assert.equal(await view.resolveDir(['lib']), 'usr/lib');
      assert.equal(await view.resolveDir(['lib', 'new', 'deeper']), 'usr/lib/new/deeper');
      assert.equal(await view.resolveDir(['abs', 'lib']), 'usr/lib');
      assert.equal(await view.resolveDir(['up']), 'usr/lib');
      assert.equal(await view.resolveDir(['chain']), 'usr/lib');
      assert.equal(await view.resolveDir([]), '');
    });

    it('reports the component that is not a directory', async () => {
      const view = new MergedView(join(root, 'absent'), []);
      view.made('d', 'dir');
      view.made('d/f', 'other');
      view.made('s', 'symlink', 'd/f');
      assert.deepEqual(await view.resolveDir(['d', 'f', 'x']), { notDir: 'd/f' });
      assert.deepEqual(await view.resolveDir(['s']), { notDir: 'd/f' });
    });

    it('resolves a whole name as fs.RootPath does, a symlink as the last component followed, a file as the last component kept', async () => {
      const view = new MergedView(join(root, 'absent'), []);
      view.made('d', 'dir');
      view.made('d/f', 'other');
      view.made('s', 'symlink', 'd/f');
      view.made('out', 'symlink', '../../../sentinel');
      assert.equal(await view.resolvePath(['s']), 'd/f', 'a symlink to a file: the file');
      assert.equal(await view.resolvePath(['d', 'f']), 'd/f');
      assert.equal(await view.resolvePath(['out']), 'sentinel', 'a climbing symlink stays inside the root');
      assert.equal(await view.resolvePath(['d', 'f', 'x']), undefined, 'a file before the last component');
      assert.equal(await view.resolvePath(['s', 'x']), undefined, 'a symlink to a file before the last component');
    });

    it(`gives up after ${MAX_LINKS} links (a loop)`, async () => {
      const view = new MergedView(join(root, 'absent'), []);
      view.made('a', 'symlink', 'b');
      view.made('b', 'symlink', 'a');
      await assert.rejects(view.resolveDir(['a', 'x']), TooManyLinks);
    });

    it('forgets what was removed, and hides the lower entries it removed', async () => {
      const view = new MergedView(join(root, 'absent'), []);
      view.made('d', 'dir');
      view.made('d/s', 'symlink', '/');
      view.removed('d');
      assert.equal(view.kind('d/s'), undefined);
      assert.equal(view.kind('d'), undefined);
      view.hide('d');
      view.opaque('o');
      assert.ok(view.hidesLower('d') && view.hidesLower('d/x/y') && view.hidesLower('o/x'));
      assert.ok(!view.hidesLower('o') && !view.hidesLower('dd') && !view.hidesLower('x'));
    });
  });

  describe('the parent layers, read as merge.ts overlays them', () => {
    it('honours whiteouts, opaque markers and replaced directories of each parent, nearest first', async () => {
      const base = await layer('base', ['a/', 'a/x', 'd/', 'd/y', 'e/', 'e/old', 'f/', 'f/in', 'usr/', 'usr/lib/', 'lib -> usr/lib', 'n/', 'n/kept']);
      const mid = await layer('mid', ['.wh.a', 'd/', 'd/.wh..wh..opq', 'd/z', 'e/', 'e/.wh.old', 'f', 'n/', 'n/new']);
      const view = new MergedView(await layer('top', []), [mid, base]);
      assert.equal(await view.at('a'), undefined);
      assert.equal(await view.at('a/x'), undefined);
      assert.equal(await view.at('d/y'), undefined, 'opaque in the nearer parent');
      assert.equal((await view.at('d/z'))?.kind, 'other');
      assert.equal(await view.at('e/old'), undefined);
      assert.equal((await view.at('f'))?.kind, 'other');
      assert.equal(await view.at('f/in'), undefined, 'a file over a directory hides its entries');
      assert.equal((await view.at('n/kept'))?.kind, 'other', 'directories merge');
      assert.deepEqual(await view.at('lib').then((f) => [f?.kind, f?.target]), ['symlink', 'usr/lib']);
      assert.equal(await view.resolveDir(['lib', 'x']), 'usr/lib/x');
      assert.deepEqual(await view.resolveDir(['f', 'x']), { notDir: 'f' });
    });

    it("lets this layer's entries, whiteouts and opaque directories decide first", async () => {
      const base = await layer('base', ['d/', 'd/y', 's -> d', 'real/', 'real/x']);
      const view = new MergedView(await layer('top', []), [base]);
      view.made('s', 'dir');
      assert.equal(await view.resolveDir(['s']), 's', "this layer's directory replaces the lower symlink");
      assert.equal(await view.at('s/y'), undefined);
      view.opaque('real');
      assert.equal(await view.at('real/x'), undefined);
      view.hide('d');
      assert.equal(await view.at('d'), undefined);
    });

    it('makes missing directories, returning the lower directory whose attributes they take', async () => {
      const base = await layer('base', ['usr/', 'usr/share/']);
      const top = await layer('top', []);
      const view = new MergedView(top, [base]);
      const made = await view.makeDirs('usr/share/new');
      assert.deepEqual(made.map((m) => [m.rel, m.lower?.path]), [['usr', join(base, 'usr')], ['usr/share', join(base, 'usr/share')], ['usr/share/new', undefined]]);
      assert.ok((await stat(join(top, 'usr/share/new'))).isDirectory());
      assert.deepEqual(await view.makeDirs('usr/share/new'), [], 'known now');
    });

    it('reads no parent before parentsReady settles, and none for paths this layer decides', async () => {
      const parent = join(root, 'parent');
      let open!: () => void;
      const ready = new Promise<void>((resolve) => (open = resolve));
      const view = new MergedView(await layer('top', []), [parent], ready);
      view.made('own', 'dir');
      view.made('link', 'symlink', 'own');
      view.opaque('own');
      assert.equal(await view.resolveDir(['link', 'sub']), 'own/sub', 'decided without the parents');
      const lookup = view.resolveDir(['lib', 'x']);
      // The parent is written only now, as a side-by-side import would finish it.
      await layer('parent', ['usr/', 'usr/lib/', 'lib -> usr/lib']);
      open();
      assert.equal(await lookup, 'usr/lib/x');
    });
  });
});

/**
 * Layers of an image are imported side by side, so the dir importer may unpack a layer before
 * its parents are in place: it reads parents (for hard links to their files, for the directories
 * and symlinks a path goes through that the layer itself does not have) only once `parentsReady`
 * settles, and a layer that names all its directories is unpacked without waiting.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CtrimgError } from '../../../src/errors.js';
import { DirImporter } from '../../../src/importers/dir.js';
import { dir, file, hardlink, listTree, symlink, tarStream, tempRoot, type TarEntry } from '../../support/tars.js';

const importer = new DirImporter();

describe('importers/dir with parents still importing', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let layers: string;
  beforeEach(async () => {
    ({ root, cleanup } = await tempRoot());
    layers = join(root, 'layers');
    await mkdir(layers, { recursive: true });
  });
  afterEach(() => cleanup());

  /**
   * Parents that are ready when the test says (`open`, `fail`). What the importer is given says
   * when it is first awaited (`awaited`): an import that waits for its parents awaits it.
   */
  const parentsLater = () => {
    let open!: () => void;
    let fail!: (err: unknown) => void;
    let seen!: () => void;
    const real = new Promise<void>((res, rej) => ((open = res), (fail = rej)));
    real.catch(() => {});
    const awaited = new Promise<void>((res) => (seen = res));
    const ready = {
      then: (onReady?: () => unknown, onFailed?: (err: unknown) => unknown) => {
        seen();
        return real.then(onReady, onFailed);
      },
    } as unknown as Promise<void>;
    return { ready, open, fail, awaited };
  };

  it('unpacks a layer without its parents, and makes its links to parent files once they are in place', async () => {
    const parent = join(layers, 'P');
    const gate = parentsLater();
    const entries: TarEntry[] = [file('own', 'mine'), hardlink('lib/y', 'lib/x'), hardlink('lib/z', 'lib/y')];
    let done = false;
    const importing = importer.importLayer(await tarStream(entries), join(layers, 'L'), { parents: [parent], parentsReady: gate.ready }).then(() => (done = true));
    await gate.awaited;
    assert.equal(done, false, 'waits for its parents before reading them');
    // The parent arrives only now, as a side-by-side import would finish it.
    await importer.importLayer(await tarStream([file('lib/x', 'from the parent')]), parent, { parents: [] });
    gate.open();
    await importing;
    assert.equal(await readFile(join(layers, 'L', 'lib/y'), 'utf8'), 'from the parent');
    assert.equal(await readFile(join(layers, 'L', 'lib/z'), 'utf8'), 'from the parent', 'a link to a waiting link waits for the same file');
    assert.deepEqual(await listTree(join(layers, 'L')), ['lib/', 'lib/y', 'lib/z', 'own']);
  });

  it('never waits when the layer links to nothing outside itself', async () => {
    const gate = parentsLater(); // never opened
    await importer.importLayer(await tarStream([file('a', 'a'), hardlink('b', 'a')]), join(layers, 'L'), { parents: [join(layers, 'P')], parentsReady: gate.ready });
    assert.equal(await readFile(join(layers, 'L', 'b'), 'utf8'), 'a');
  });

  it('never waits when the layer names every directory its paths go through', async () => {
    const gate = parentsLater(); // never opened
    const entries = [dir('a'), dir('a/b'), file('a/b/c', 'c'), symlink('a/s', 'b'), file('a/s/d', 'd'), hardlink('a/h', 'a/s/c')];
    await importer.importLayer(await tarStream(entries), join(layers, 'L'), { parents: [join(layers, 'P')], parentsReady: gate.ready });
    assert.deepEqual(await listTree(join(layers, 'L')), ['a/', 'a/b/', 'a/b/c', 'a/b/d', 'a/h', 'a/s']);
  });

  it("reads a parent's directory for an implicit one only once the parent is in place", async () => {
    const parent = join(layers, 'P');
    const gate = parentsLater();
    const importing = importer.importLayer(await tarStream([file('etc/conf', 'c')]), join(layers, 'L'), { parents: [parent], parentsReady: gate.ready });
    // The parent is written only now, as a side-by-side import would finish it.
    await importer.importLayer(await tarStream([dir('etc', { mode: 0o750 })]), parent, { parents: [] });
    gate.open();
    await importing;
    assert.equal((await lstat(join(layers, 'L', 'etc'))).mode & 0o7777, 0o750);
  });

  it('drops a waiting link that a later entry of the layer replaces', async () => {
    const parent = join(layers, 'P');
    await importer.importLayer(await tarStream([file('x', 'parent')]), parent, { parents: [] });
    await importer.importLayer(await tarStream([hardlink('y', 'x'), file('y', 'replaced')]), join(layers, 'L'), {
      parents: [parent],
      parentsReady: Promise.resolve(),
    });
    assert.equal(await readFile(join(layers, 'L', 'y'), 'utf8'), 'replaced');
  });

  it('fails, leaving nothing, when a parent fails to import', async () => {
    const gate = parentsLater();
    const importing = importer.importLayer(await tarStream([hardlink('y', 'x')]), join(layers, 'L'), { parents: [join(layers, 'P')], parentsReady: gate.ready });
    gate.fail(new CtrimgError('failed', 'the parent broke'));
    await assert.rejects(importing, /the parent broke/);
    assert.ok(!existsSync(join(layers, 'L')));
    assert.deepEqual(await readdir(layers), []);
  });
});

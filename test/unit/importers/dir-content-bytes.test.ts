/**
 * The dir importer returns a layer's content bytes, the size docker shows for it. moby measures
 * an applied layer by walking its directory (directory.Size: the lstat size of each entry that is
 * not a directory, once per inode); that walk is the oracle here, run over what was unpacked.
 */
import assert from 'node:assert/strict';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DirImporter } from '../../../src/importers/dir.js';
import { measureTree } from '../../../src/layers/content-size.js';
import { dir, file, hardlink, symlink, tarStream, tempRoot } from '../../support/tars.js';

const importer = new DirImporter();

/** moby's directory.Size, as its graph drivers measure a layer. */
async function walkedSize(root: string, seen = new Set<string>()): Promise<number> {
  let total = 0;
  for (const name of await readdir(root)) {
    const st = await lstat(join(root, name));
    if (st.isDirectory()) total += await walkedSize(join(root, name), seen);
    else if (!seen.has(`${st.dev}:${st.ino}`)) {
      seen.add(`${st.dev}:${st.ino}`);
      total += st.size;
    }
  }
  return total;
}

describe('importers/dir: content bytes', () => {
  it('counts file lengths and symlink target bytes, a hard link and a whiteout adding nothing, as a walk of the result does', async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const layer = join(root, 'layer');
      const entries = [
        dir('etc'),
        file('etc/a', 'a'.repeat(999)),
        file('etc/b', 'b'.repeat(1000)),
        file('empty'),
        symlink('etc/l', '../usr/lib/x'),
        symlink('etc/é', 'cible-é'),
        hardlink('etc/h', 'etc/a'),
        file('.wh.gone'),
        dir('usr/lib', { mode: 0o755 }),
      ];
      const bytes = await importer.importLayer(await tarStream(entries), layer, { parents: [] });
      assert.equal(bytes, 999 + 1000 + '../usr/lib/x'.length + Buffer.byteLength('cible-é'));
      assert.equal(bytes, await walkedSize(layer));
      assert.equal(await measureTree(layer), bytes, 'measureTree, for layers recorded without a count, measures the same');
    } finally {
      await cleanup();
    }
  });
});

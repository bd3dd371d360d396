/**
 * removeTree: a deep and wide tree with symlinks out of it and directories its owner may not
 * write or list, removed by an unprivileged owner (as root every permission passes, so the
 * removal runs in a child process as `nobody`).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CtrimgError } from '../../../src/errors.js';
import { removeTree } from '../../../src/layers/remove-tree.js';

const run = promisify(execFile);
const MODULE = fileURLToPath(new URL('../../../src/layers/remove-tree.js', import.meta.url));
const NOBODY = 65534;
const exists = (p: string) => stat(p).then(() => true, () => false);

/** Removes `path` in a process running as nobody. */
async function removeAsNobody(path: string): Promise<void> {
  const script = `import(${JSON.stringify(MODULE)}).then((m) => m.removeTree(${JSON.stringify(path)}))`;
  await run(process.execPath, ['-e', script], { uid: NOBODY, gid: NOBODY });
}

/** Makes every entry under `dir` (symlinks too) nobody's. */
async function giveToNobody(dir: string): Promise<void> {
  await run('chown', ['-hR', `${NOBODY}:${NOBODY}`, dir]);
}

describe('removeTree', function () {
  this.timeout(60_000);
  let work: string;
  let outside: string;
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'ctrimg-rmtree-'));
    await chmod(work, 0o755);
    outside = join(work, 'outside');
    await mkdir(join(outside, 'dir'), { recursive: true });
    await writeFile(join(outside, 'file'), 'keep me');
    await writeFile(join(outside, 'dir', 'inner'), 'keep me too');
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  it('removes a deep and wide tree with read-only and unlistable directories, never following a symlink out', async () => {
    const tree = join(work, 'tree');
    // A chain deeper than the handles kept open, with files and links on every level, so that
    // directories closed on the way down are listed again on the way back.
    let level = tree;
    for (let depth = 0; depth < 40; depth++) {
      await mkdir(level, { recursive: true });
      for (let i = 0; i < 20; i++) await writeFile(join(level, `f${i}`), `${depth}/${i}`);
      await symlink(join(outside, 'dir'), join(level, 'to-dir'));
      await symlink(join(outside, 'file'), join(level, 'to-file'));
      level = join(level, `d${depth}`);
    }
    await mkdir(join(tree, 'wide'));
    for (let i = 0; i < 3000; i++) await writeFile(join(tree, 'wide', String(i)), '');
    for (const [name, mode] of [['read-only', 0o555], ['unlistable', 0o000], ['no-search', 0o600]] as const) {
      await mkdir(join(tree, name, 'sub'), { recursive: true });
      await writeFile(join(tree, name, 'sub', 'x'), 'x');
      await writeFile(join(tree, name, 'y'), 'y');
      await chmod(join(tree, name, 'sub'), 0o555);
      await chmod(join(tree, name), mode);
    }
    await giveToNobody(tree);
    await chown(work, NOBODY, NOBODY);

    await removeAsNobody(tree);

    assert.equal(await exists(tree), false);
    assert.equal(await readFile(join(outside, 'file'), 'utf8'), 'keep me');
    assert.deepEqual(await readdir(join(outside, 'dir')), ['inner']);
  });

  it('removes entries whose names are not UTF-8, given the tree as text or as bytes', async () => {
    // Bytes Node would decode to U+FFFD: deleted by that name, they were left behind (ENOTEMPTY).
    for (const given of ['text', 'bytes'] as const) {
      const tree = join(work, `odd-${given}`);
      const odd = Buffer.concat([Buffer.from(`${tree}/`), Buffer.from([0x66, 0xff, 0xfe])]);
      mkdirSync(odd, { recursive: true });
      writeFileSync(Buffer.concat([odd, Buffer.from('/\xe9t\xe9', 'latin1')]), 'latin1 name');
      writeFileSync(Buffer.concat([Buffer.from(`${tree}/`), Buffer.from([0xc3, 0x28])]), 'invalid UTF-8');
      await removeTree(given === 'text' ? tree : Buffer.from(tree));
      assert.equal(await exists(tree), false, given);
    }
    assert.equal(await readFile(join(outside, 'file'), 'utf8'), 'keep me');
  });

  it('removes a symlink given as the tree, not its target; a missing path is fine', async () => {
    const link = join(work, 'link');
    await symlink(join(outside, 'dir'), link);
    await removeTree(link);
    assert.equal(await exists(link), false);
    assert.deepEqual(await readdir(join(outside, 'dir')), ['inner']);
    await removeTree(join(work, 'nothing-here'));
  });

  describe('a directory swapped between its lstat and its opendir', () => {
    /** tree/a/{f, b/g} and tree/z; `swap` replaces tree/a when removeTree is about to open it. */
    const removeSwapping = async (swap: (a: string) => void) => {
      const tree = join(work, 'tree');
      const a = join(tree, 'a');
      await mkdir(join(a, 'b'), { recursive: true });
      await writeFile(join(a, 'f'), '');
      await writeFile(join(a, 'b', 'g'), '');
      await writeFile(join(tree, 'z'), '');
      let swapped = 0;
      const removal = removeTree(tree, {
        beforeOpen: (dir) => {
          if (dir !== a || swapped++) return;
          renameSync(a, join(work, 'aside'));
          swap(a);
        },
      });
      return { tree, a, removal, swapped: () => swapped };
    };

    it('for a symlink to a directory outside: deletes the link, never what it points to', async () => {
      const { tree, removal, swapped } = await removeSwapping((a) => symlinkSync(outside, a));
      await removal;
      assert.equal(swapped(), 1, 'the swap happened');
      assert.equal(await exists(tree), false);
      assert.equal(await readFile(join(outside, 'file'), 'utf8'), 'keep me');
      assert.deepEqual(await readdir(join(outside, 'dir')), ['inner']);
      assert.deepEqual((await readdir(join(work, 'aside'))).sort(), ['b', 'f'], 'the directory moved away is not followed either');
    });

    it('for another directory: refuses in one line, deleting nothing in it', async () => {
      const { a, removal, swapped } = await removeSwapping((at) => {
        mkdirSync(at);
        writeFileSync(join(at, 'new'), '');
      });
      await assert.rejects(removal, (err: unknown) => {
        assert.ok(err instanceof CtrimgError, String(err));
        assert.equal(err.code, 'TREE_CHANGED');
        assert.equal(err.message, `refusing to delete ${a}: it was replaced by another directory while being deleted`);
        return true;
      });
      assert.equal(swapped(), 1);
      assert.deepEqual(await readdir(a), ['new']);
    });
  });
});

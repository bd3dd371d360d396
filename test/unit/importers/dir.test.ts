import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, readlink, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CtrimgError } from '../../../src/errors.js';
import { DirImporter } from '../../../src/importers/dir.js';
import { decompress } from '../../../src/layers/decompress.js';
import { readXattrs } from '../../../src/layers/xattrs.js';
import {
  dir,
  file,
  hardlink,
  listTree,
  makeTar,
  symlink,
  tarStream,
  tempRoot,
  type TarEntry,
} from '../../support/tars.js';

const importer = new DirImporter();
const isCode = (code: string, mentions?: string) => (err: unknown) =>
  err instanceof CtrimgError && err.code === code && (mentions === undefined || err.message.includes(mentions));

const LONG = 'deep/' + 'a-directory-with-a-long-name-'.repeat(3) + '/' + 'a-file-with-a-long-name-'.repeat(2) + '.txt';
const T1 = new Date('2020-01-02T03:04:05Z');
const T2 = new Date('2021-06-07T08:09:10Z');

describe('importers/dir', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let layers: string;
  beforeEach(async () => {
    ({ root, cleanup } = await tempRoot());
    layers = join(root, 'store', 'layers');
    await mkdir(layers, { recursive: true });
  });
  afterEach(() => cleanup());

  const importTar = async (name: string, entries: TarEntry[], parents: string[] = [], warn?: (m: string) => void) => {
    const layerPath = join(layers, name);
    await importer.importLayer(await tarStream(entries), layerPath, { parents, warn });
    return layerPath;
  };

  describe('importLayer', () => {
    it('unpacks files, directories, symlinks, hard links, empty files and long paths with modes and times', async () => {
      const layer = await importTar('L', [
        dir('etc', { mode: 0o700, mtime: T1 }),
        file('etc/hostname', 'box\n', { mode: 0o640, mtime: T2 }),
        file('etc/empty', ''),
        file('bin/tool', '#!/bin/sh\n', { mode: 0o4755 }),
        hardlink('bin/hard', 'bin/tool'),
        symlink('bin/passwd', '/etc/passwd'),
        symlink('up', '../../outside'),
        file(LONG, 'long'),
      ]);
      assert.ok(LONG.length > 100);
      assert.equal(await readFile(join(layer, 'etc/hostname'), 'utf8'), 'box\n');
      const hostname = await lstat(join(layer, 'etc/hostname'));
      assert.equal(hostname.mode & 0o7777, 0o640);
      assert.equal(hostname.mtime.getTime(), T2.getTime());
      const etc = await lstat(join(layer, 'etc'));
      assert.ok(etc.isDirectory());
      assert.equal(etc.mode & 0o7777, 0o700);
      assert.equal(etc.mtime.getTime(), T1.getTime(), 'directory times are applied after its children are written');
      assert.equal((await lstat(join(layer, 'etc/empty'))).size, 0);
      assert.equal((await lstat(join(layer, 'bin/tool'))).mode & 0o7777, 0o4755);
      const [tool, hard] = await Promise.all([lstat(join(layer, 'bin/tool')), lstat(join(layer, 'bin/hard'))]);
      assert.equal(hard.ino, tool.ino);
      assert.equal(await readlink(join(layer, 'bin/passwd')), '/etc/passwd');
      assert.equal(await readlink(join(layer, 'up')), '../../outside');
      assert.equal(await readFile(join(layer, LONG), 'utf8'), 'long');
      assert.deepEqual(await readdir(layers), ['L'], 'no temp directory is left behind');
    });

    it('keeps whiteout and opaque markers as empty regular files', async () => {
      const layer = await importTar('L', [file('.wh.gone', ''), dir('old'), file('old/.wh..wh..opq', 'junk'), file('old/c', 'c')]);
      assert.deepEqual(await listTree(layer), ['.wh.gone', 'old/', 'old/.wh..wh..opq', 'old/c']);
      for (const marker of ['.wh.gone', 'old/.wh..wh..opq']) {
        const st = await lstat(join(layer, marker));
        assert.ok(st.isFile() && st.size === 0, marker);
      }
    });

    it('lets a later entry replace an earlier one with the same path', async () => {
      const layer = await importTar('L', [
        file('a', 'file'),
        dir('a'),
        file('a/inside', 'x'),
        dir('b'),
        file('b/child', 'x'),
        symlink('b', 'a'),
        symlink('c', 'a'),
        file('c', 'now a file'),
        file('d', 'first'),
        file('d', 'second'),
      ]);
      assert.ok((await lstat(join(layer, 'a'))).isDirectory());
      assert.equal(await readlink(join(layer, 'b')), 'a');
      assert.equal(await readFile(join(layer, 'c'), 'utf8'), 'now a file');
      assert.equal(await readFile(join(layer, 'd'), 'utf8'), 'second');
      assert.deepEqual(await listTree(layer), ['a/', 'a/inside', 'b', 'c', 'd']);
    });

    it('copies a hard link target from the nearest parent layer that has it', async () => {
      const far = await importTar('far', [file('lib/x', 'far')]);
      const near = await importTar('near', [file('lib/x', 'near', { mode: 0o600 })]);
      const layer = await importTar('L', [hardlink('lib/y', 'lib/x')], [near, far]);
      assert.equal(await readFile(join(layer, 'lib/y'), 'utf8'), 'near');
      assert.equal((await lstat(join(layer, 'lib/y'))).mode & 0o777, 0o600);
      assert.deepEqual(await listTree(layer), ['lib/', 'lib/y']);
    });

    it('copies a parent file once for all the hard links naming it, which then share it', async () => {
      const parent = await importTar('P', [file('lib/x', 'x'.repeat(64 * 1024))]);
      const links = Array.from({ length: 20 }, (_, i) => hardlink(`l${i}`, 'lib/x'));
      const layer = await importTar('L', [...links, hardlink('lib/y', 'l3')], [parent]);
      const inodes = new Set<number>();
      for (const name of [...links.map((l) => l.name), 'lib/y']) inodes.add((await lstat(join(layer, name))).ino);
      assert.equal(inodes.size, 1, 'one copy, linked 21 times');
      assert.equal((await lstat(join(layer, 'l0'))).nlink, 21);
      assert.equal(await readFile(join(layer, 'lib/y'), 'utf8'), 'x'.repeat(64 * 1024));
    });

    it("copies a sparse parent file that a hard link names with its holes kept", async () => {
      const parent = join(layers, 'P');
      await mkdir(join(parent, 'var/log'), { recursive: true });
      await writeFile(join(parent, 'var/log/lastlog'), 'head');
      execFileSync('truncate', ['-s', String(64 << 20), join(parent, 'var/log/lastlog')]);
      const layer = await importTar('L', [hardlink('var/log/lastlog.1', 'var/log/lastlog')], [parent]);
      const st = await lstat(join(layer, 'var/log/lastlog.1'));
      assert.equal(st.size, 64 << 20);
      assert.ok(st.blocks * 512 < 1 << 20, `allocated ${st.blocks * 512} bytes`);
      const fd = await readFile(join(layer, 'var/log/lastlog.1'));
      assert.equal(fd.subarray(0, 4).toString(), 'head');
    });

    it('does not find a hard link target hidden by a whiteout in a nearer parent', async () => {
      const far = await importTar('far', [file('lib/x', 'far')]);
      const near = await importTar('near', [file('lib/.wh.x', '')]);
      await assert.rejects(
        importTar('L', [hardlink('lib/y', 'lib/x')], [near, far]),
        isCode('INVALID_TAR', "'lib/y' -> 'lib/x'"),
      );
      assert.ok(!existsSync(join(layers, 'L')));
    });

    it('fails clearly when a hard link target is nowhere, leaving nothing behind', async () => {
      await assert.rejects(importTar('L', [file('a', 'a'), hardlink('b', 'missing')]), isCode('INVALID_TAR', 'missing'));
      assert.deepEqual(await readdir(layers), []);
    });

    it('unpacks a gzip layer through decompress', async () => {
      const layerPath = join(layers, 'L');
      await importer.importLayer(decompress(await tarStream([file('a/b', 'zipped')], true)), layerPath, { parents: [] });
      assert.equal(await readFile(join(layerPath, 'a/b'), 'utf8'), 'zipped');
    });

    it('makes fifos, and device nodes as root (without root: skipped with one warning naming the first)', async () => {
      const warnings: string[] = [];
      const layer = await importTar(
        'L',
        [
          { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
          { name: 'run/pipe', type: 'fifo', mode: 0o600 },
          file('ok', 'ok'),
        ],
        [],
        (m) => warnings.push(m),
      );
      const pipe = await lstat(join(layer, 'run/pipe'));
      assert.ok(pipe.isFIFO());
      assert.equal(pipe.mode & 0o7777, 0o600);
      if (process.getuid?.() === 0) {
        const nul = await lstat(join(layer, 'dev/null'));
        assert.ok(nul.isCharacterDevice());
        assert.deepEqual([nul.rdev >> 8, nul.rdev & 0xff, nul.mode & 0o7777], [1, 3, 0o666]);
        assert.deepEqual(warnings, []);
        assert.deepEqual(await listTree(layer), ['dev/', 'dev/null', 'ok', 'run/', 'run/pipe']);
      } else {
        assert.equal(warnings.length, 1);
        assert.match(warnings[0]!, /^skipped 1 device node, first 'dev\/null': only root can make them/);
        assert.deepEqual(await listTree(layer), ['dev/', 'ok', 'run/', 'run/pipe']);
      }
    });

    it('rejects a truncated tar as INVALID_TAR naming the entry cut short, and leaves nothing at the layer path', async () => {
      const bytes = await makeTar([file('big', 'x'.repeat(5000))]);
      await assert.rejects(
        importer.importLayer(Readable.from([bytes.subarray(0, 2048)]), join(layers, 'L'), { parents: [] }),
        isCode('INVALID_TAR', "entry 'big' is cut short"),
      );
      assert.deepEqual(await readdir(layers), []);
    });

    it('rejects input that failed before the import started reading it', async () => {
      const input = new Readable({ read() {} });
      input.on('error', () => {});
      input.destroy(new Error('gzip broke early'));
      await assert.rejects(
        importer.importLayer(input, join(layers, 'L'), { parents: [] }),
        (err: Error) => err.message.includes('gzip broke early'),
      );
      assert.deepEqual(await readdir(layers), []);
    });

    it('rejects input that fails in the middle of an entry', async () => {
      const bytes = await makeTar([file('big', 'x'.repeat(50_000))]);
      const input = new Readable({ read() {} });
      input.push(bytes.subarray(0, 4096));
      setTimeout(() => input.destroy(new Error('connection reset')), 20);
      await assert.rejects(importer.importLayer(input, join(layers, 'L'), { parents: [] }), (err: Error) => err.message.includes('connection reset'));
      assert.deepEqual(await readdir(layers), []);
    });

    it('stops when aborted and leaves nothing at the layer path', async () => {
      const controller = new AbortController();
      const input = new Readable({ read() {} }); // never ends by itself
      const done = importer.importLayer(input, join(layers, 'L'), { parents: [], signal: controller.signal });
      setTimeout(() => controller.abort(), 10);
      await assert.rejects(done, (err: Error) => err.name === 'AbortError');
      assert.deepEqual(await readdir(layers), []);
    });

    it('refuses a layer path that already exists', async () => {
      await mkdir(join(layers, 'L'));
      await assert.rejects(importTar('L', [file('a', '')]), isCode('EXISTS'));
    });

    describe("roots inside the layer what containerd roots inside its root (pkg/archive TestBreakouts), writing nothing outside", () => {
      const escape = `/tmp/ctrimg-escape-${process.pid}-${Date.now()}`;
      const cases: Array<[string, TarEntry[], (layer: string) => Promise<void>]> = [
        ['an absolute path is rooted', [file(escape, 'x')], async (l) => assert.equal(await readFile(join(l, escape), 'utf8'), 'x')],
        ['a .. path is clamped at the root', [file('../x', 'x')], async (l) => assert.deepEqual(await listTree(l), ['x'])],
        ['a path climbing out through .. is cleaned', [dir('a'), file('a/../../x', 'x')], async (l) => assert.deepEqual(await listTree(l), ['a/', 'x'])],
        ['a file under a symlink to / lands in the root (SymlinkAbsolute)', [symlink('a', '/'), file('a/x', 'x')], async (l) => {
          assert.equal(await readFile(join(l, 'x'), 'utf8'), 'x');
          assert.equal(await readlink(join(l, 'a')), '/');
        }],
        ['a file under a symlink to ../.. lands in the root (SymlinkUpAndOut)', [symlink('a', '../..'), file('a/x', 'x')], async (l) => assert.deepEqual(await listTree(l), ['a', 'x'])],
        ['a directory under a symlink climbing out lands in the root', [symlink('a', '../..'), dir('a/sub')], async (l) => assert.deepEqual(await listTree(l), ['a', 'sub/'])],
        ['a file under a symlink that stays inside lands where it points', [dir('d'), symlink('a', 'd'), file('a/x', 'x')], async (l) => assert.deepEqual(await listTree(l), ['a', 'd/', 'd/x'])],
        ['a hard link through a symlink links its target (HardlinkSymlinkRelative)', [file('d/f', 'x'), symlink('s', 'd'), hardlink('h', 's/f')], async (l) =>
          assert.equal((await lstat(join(l, 'h'))).ino, (await lstat(join(l, 'd/f'))).ino)],
        ['a hard link placed under a symlink to .. lands in the root (SymlinkParentDirectory)', [file('f', 'x'), symlink('s', '..'), hardlink('s/h', 'f')], async (l) =>
          assert.equal((await lstat(join(l, 'h'))).ino, (await lstat(join(l, 'f'))).ino)],
      ];
      for (const [what, entries, check] of cases) {
        it(what, async () => {
          await importTar('L', entries);
          await check(join(layers, 'L'));
          assert.deepEqual(await readdir(layers), ['L']);
          assert.ok(!existsSync(escape));
        });
      }

      // containerd resolves these inside its root too, where nothing is: link() fails there.
      for (const [what, target] of [['../../etc/passwd, clamped (HardlinkRelativeUpAndOut)', '../../etc/passwd'], ['an absolute path (HardlinkAbsolute)', '/etc/passwd']]) {
        it(`fails a hard link to ${what} that the layers do not have`, async () => {
          await assert.rejects(importTar('L', [hardlink('h', target)]), isCode('INVALID_TAR', target));
          assert.deepEqual(await listTree(root), ['store/', 'store/layers/']);
        });
      }
    });
  });

  describe('createContainer', () => {
    it('merges layers base first, applying whiteouts and opaque directories', async () => {
      const outside = join(root, 'outside');
      await mkdir(outside);
      const l1 = await importTar('l1', [
        file('bin/tool', 'tool', { mode: 0o755 }),
        hardlink('bin/hard', 'bin/tool'),
        symlink('bin/link', 'tool'),
        symlink('escape', outside),
        file('gone.txt', 'gone'),
        file('gone-dir/x', 'x'),
        file('old/a', 'a'),
        file('old/sub/b', 'b'),
        file('tree/x', 'x'),
        file('keep', 'v1'),
      ]);
      const l2 = await importTar('l2', [
        file('.wh.gone.txt', ''),
        file('.wh.gone-dir', ''),
        file('old/.wh..wh..opq', ''),
        file('old/c', 'c'),
        dir('old/sub2'),
        file('new.txt', 'new', { mode: 0o600 }),
        file('keep', 'v2'),
      ]);
      const l3 = await importTar('l3', [file('tree', 'now a file'), file('escape/passwd', 'not outside'), file('gone.txt', 'back')]);

      const container = join(root, 'containers', 'c1');
      await importer.createContainer(container, [l3, l2, l1]);

      assert.deepEqual(await listTree(container), [
        'bin/',
        'bin/hard',
        'bin/link',
        'bin/tool',
        'escape/',
        'escape/passwd',
        'gone.txt',
        'keep',
        'new.txt',
        'old/',
        'old/c',
        'old/sub2/',
        'tree',
      ]);
      assert.equal(await readFile(join(container, 'keep'), 'utf8'), 'v2');
      assert.equal(await readFile(join(container, 'gone.txt'), 'utf8'), 'back');
      assert.equal(await readFile(join(container, 'tree'), 'utf8'), 'now a file');
      assert.equal(await readlink(join(container, 'bin/link')), 'tool');
      assert.equal((await lstat(join(container, 'bin/tool'))).mode & 0o777, 0o755);
      assert.equal((await lstat(join(container, 'new.txt'))).mode & 0o777, 0o600);
      const [tool, hard] = await Promise.all([lstat(join(container, 'bin/tool')), lstat(join(container, 'bin/hard'))]);
      assert.equal(hard.ino, tool.ino, 'hard links within a layer stay hard links');
      assert.notEqual(tool.ino, (await lstat(join(l1, 'bin/tool'))).ino, 'the container does not share inodes with its layers');
      assert.deepEqual(await readdir(outside), [], 'a lower symlink is replaced, never written through');
      assert.deepEqual(await listTree(l1), [
        'bin/',
        'bin/hard',
        'bin/link',
        'bin/tool',
        'escape',
        'gone-dir/',
        'gone-dir/x',
        'gone.txt',
        'keep',
        'old/',
        'old/a',
        'old/sub/',
        'old/sub/b',
        'tree/',
        'tree/x',
      ]);
      assert.deepEqual(await readdir(join(root, 'containers')), ['c1'], 'no temp directory is left behind');
    });

    it('keeps directory modes and times from the topmost layer', async () => {
      const l1 = await importTar('l1', [dir('d', { mode: 0o700, mtime: T1 }), file('d/x', 'x')]);
      const l2 = await importTar('l2', [dir('d', { mode: 0o751, mtime: T2 }), file('d/y', 'y')]);
      const container = join(root, 'c');
      await importer.createContainer(container, [l2, l1]);
      const d = await lstat(join(container, 'd'));
      assert.equal(d.mode & 0o7777, 0o751);
      assert.equal(d.mtime.getTime(), T2.getTime());
      assert.deepEqual(await listTree(container), ['d/', 'd/x', 'd/y']);
    });

    it('refuses a scratch size, which only the hcs importer has, before making anything', async () => {
      const l1 = await importTar('l1', [file('a', 'a')]);
      const container = join(root, 'c');
      const before = await readdir(root);
      await assert.rejects(importer.createContainer(container, [l1], { scratchSize: 40 * 2 ** 30 }), (err: unknown) => {
        assert.ok(err instanceof CtrimgError && err.code === 'SCRATCH_SIZE_INVALID' && err.exitCode === 2, String(err));
        assert.equal(err.details.importer, 'dir');
        return true;
      });
      assert.deepEqual(await readdir(root), before, 'nothing was made, not even a temp directory');
    });

    it('refuses a container path that exists; removal of missing paths is fine', async () => {
      const l1 = await importTar('l1', [file('a', 'a')]);
      const container = join(root, 'c');
      await writeFile(container, '');
      await assert.rejects(importer.createContainer(container, [l1]), isCode('EXISTS'));
      await importer.removeContainer(join(root, 'nope'));
      await importer.removeLayer(join(root, 'nope'));
      await importer.removeLayer(l1);
      assert.ok(!existsSync(l1));
    });
  });

  describe("containerd's path semantics across layers", () => {
    const container = () => join(root, 'store', 'containers', 'c');
    const merged = async (...layerPaths: string[]) => {
      await importer.createContainer(container(), layerPaths);
      return container();
    };

    it('writes through a lower symlink into its target: lib -> usr/lib, then lib/x, is usr/lib/x (merged /usr)', async () => {
      const l1 = await importTar('l1', [dir('usr', { mode: 0o755 }), dir('usr/lib', { mode: 0o750, mtime: T1 }), symlink('lib', 'usr/lib'), file('usr/lib/old', 'old')]);
      const l2 = await importTar('l2', [file('lib/x', 'x'), dir('lib/sub'), file('lib/sub/y', 'y')], [l1]);
      assert.deepEqual(await listTree(l2), ['usr/', 'usr/lib/', 'usr/lib/sub/', 'usr/lib/sub/y', 'usr/lib/x']);
      const c = await merged(l2, l1);
      assert.deepEqual(await listTree(c), ['lib', 'usr/', 'usr/lib/', 'usr/lib/old', 'usr/lib/sub/', 'usr/lib/sub/y', 'usr/lib/x']);
      assert.equal(await readlink(join(c, 'lib')), 'usr/lib');
      const lib = await lstat(join(c, 'usr/lib'));
      assert.equal(lib.mode & 0o7777, 0o750, "the lower directory's mode shows through");
      assert.equal(lib.mtime.getTime(), T1.getTime());
    });

    it("gives a directory made implicitly the lower directory's mode, owner and time (mkparent + copyDirInfo)", async () => {
      const l1 = await importTar('l1', [
        dir('shared', { mode: 0o2775, uid: 1000, gid: 1000, mtime: T1 }),
        dir('tmp', { mode: 0o1777, mtime: T2 }),
        dir('private', { mode: 0o750, uid: 1000, gid: 1000, mtime: T1 }),
      ]);
      const l2 = await importTar('l2', [file('shared/f', 'f'), file('tmp/t', 't'), file('private/deep/p', 'p'), file('fresh/n', 'n')], [l1]);
      const c = await merged(l2, l1);
      for (const [rel, mode, t] of [['shared', 0o2775, T1], ['tmp', 0o1777, T2], ['private', 0o750, T1]] as const) {
        const st = await lstat(join(c, rel));
        assert.equal(st.mode & 0o7777, mode, `mode of ${rel}`);
        assert.equal(st.mtime.getTime(), t.getTime(), `mtime of ${rel}`);
        if (process.getuid?.() === 0) assert.deepEqual([st.uid, st.gid], rel === 'tmp' ? [0, 0] : [1000, 1000], `owner of ${rel}`);
      }
      assert.equal((await lstat(join(c, 'private/deep'))).mode & 0o7777, 0o755, 'a directory no layer has is made 0755');
      assert.equal((await lstat(join(c, 'fresh'))).mode & 0o7777, 0o755);
    });

    it("gives a directory made implicitly the lower directory's extended attributes (copyUpXAttrs)", async () => {
      const l1 = await importTar('l1', [dir('d'), dir('e')]);
      execFileSync('setfattr', ['-n', 'user.note', '-v', 'from the lower layer', join(l1, 'd')]);
      const l2 = await importTar('l2', [file('d/f', 'f'), file('e/g', 'g'), file('d', 'replaced'), file('e/h', 'h')], [l1]);
      assert.equal((await readXattrs(join(l2, 'e'))).size, 0);
      // d was made for d/f, then replaced by a file: nothing is copied to it.
      assert.equal((await readXattrs(join(l2, 'd'))).size, 0);
      const l3 = await importTar('l3', [file('d/x', 'x')], [l1]);
      assert.equal((await readXattrs(join(l3, 'd'))).get('user.note')?.toString(), 'from the lower layer');
    });

    it("accepts umoci's whiteouts under the entry that replaced a directory (d -> x, then d/.wh.child; f, then f/.wh.k)", async () => {
      // What `umoci repack` writes when a directory becomes a symlink or a file (read from umoci 0.4+).
      const l1 = await importTar('l1', [dir('d'), file('d/child', 'c'), dir('x'), file('x/child', 'in x'), file('x/keep', 'k'), dir('f'), file('f/k', 'k')]);
      const l2 = await importTar('l2', [symlink('d', 'x'), file('d/.wh.child'), file('f', 'file'), file('f/.wh.k')], [l1]);
      const c = await merged(l2, l1);
      // Through the symlink, as containerd (and umoci's SecureJoin) resolve it; under the file, a no-op as in umoci (containerd refuses: mkparent ENOTDIR).
      assert.deepEqual(await listTree(c), ['d', 'f', 'x/', 'x/keep']);
      assert.equal(await readFile(join(c, 'f'), 'utf8'), 'file');
    });

    it("a whiteout removes what its own layer wrote before it, and the lower entry (containerd's RemoveAll; umoci keeps this layer's entry: upperPaths)", async () => {
      const l1 = await importTar('l1', [file('a', 'lower'), file('b', 'lower')]);
      const l2 = await importTar('l2', [file('a', 'upper'), file('.wh.a'), file('.wh.b'), file('b', 'again')], [l1]);
      const c = await merged(l2, l1);
      assert.deepEqual(await listTree(c), ['b']);
      assert.equal(await readFile(join(c, 'b'), 'utf8'), 'again');
    });

    it('a directory replaced within a layer and written again does not merge with the lower directory', async () => {
      const l1 = await importTar('l1', [dir('d'), file('d/lower', 'l')]);
      const l2 = await importTar('l2', [dir('d'), file('d/mine', 'm'), file('d', 'a file'), dir('d'), file('d/new', 'n')], [l1]);
      const c = await merged(l2, l1);
      assert.deepEqual(await listTree(c), ['d/', 'd/new']);
    });

    it('an explicit directory over a lower symlink hides what the symlink points to', async () => {
      const l1 = await importTar('l1', [dir('real'), file('real/x', 'x'), symlink('s', 'real')]);
      const l2 = await importTar('l2', [dir('s'), file('s/y', 'y')], [l1]);
      const c = await merged(l2, l1);
      assert.deepEqual(await listTree(c), ['real/', 'real/x', 's/', 's/y']);
    });

    it("a hard link's .. goes up from the target of the symlink before it (hardlinkRootPath does not clean the name first)", async () => {
      const layer = await importTar('L', [dir('x'), dir('x/y'), file('x/f', 'in x'), file('f', 'top'), symlink('s', 'x/y'), hardlink('h', 's/../f')]);
      assert.equal(await readFile(join(layer, 'h'), 'utf8'), 'in x');
      assert.equal((await lstat(join(layer, 'h'))).ino, (await lstat(join(layer, 'x/f'))).ino);
    });

    it('a hard link to a lower file through a lower symlink copies that file', async () => {
      const l1 = await importTar('l1', [dir('usr/bin'), file('usr/bin/tool', 'tool'), symlink('bin', 'usr/bin')]);
      const l2 = await importTar('l2', [hardlink('bin/alias', 'bin/tool')], [l1]);
      assert.equal(await readFile(join(l2, 'usr/bin/alias'), 'utf8'), 'tool');
    });

    it('keeps names that are not UTF-8 byte for byte, two names two files', async () => {
      const bytes = withNameBytes(await makeTar([file('nameAA', 'first'), file('nameBB', 'second')]), [
        ['nameAA', Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0xff, 0x41])],
        ['nameBB', Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0xfe, 0x41])],
      ]);
      await importer.importLayer(Readable.from([bytes]), join(layers, 'L'), { parents: [] });
      const names = (await readdir(Buffer.from(join(layers, 'L')), { encoding: 'buffer' })).map((n) => [...n]).sort();
      assert.deepEqual(names, [[0x6e, 0x61, 0x6d, 0x65, 0xfe, 0x41], [0x6e, 0x61, 0x6d, 0x65, 0xff, 0x41]]);
      assert.equal(await readFile(Buffer.from(join(layers, 'L/name\xffA'), 'latin1'), 'utf8'), 'first');
      const c = await merged(join(layers, 'L'));
      const inContainer = (await readdir(Buffer.from(c), { encoding: 'buffer' })).map((n) => [...n]).sort();
      assert.deepEqual(inContainer, names);
    });
  });
});

/** `tar` with each placeholder name replaced by bytes of the same length, checksums fixed. */
function withNameBytes(tar: Buffer, names: Array<[string, Buffer]>): Buffer {
  const out = Buffer.from(tar);
  for (const [placeholder, bytes] of names) {
    const at = out.indexOf(placeholder, 0, 'latin1');
    assert.ok(at >= 0 && at % 512 === 0, placeholder);
    bytes.copy(out, at);
    out.fill(' ', at + 148, at + 156);
    let sum = 0;
    for (let i = at; i < at + 512; i++) sum += out[i]!;
    out.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'latin1');
  }
  return out;
}

/**
 * The dir importer against malicious and odd layer tars: containerd's archive breakout cases,
 * whiteout edge cases, entries replacing one another, devices, PAX and GNU extensions, xattrs,
 * symlink loops and directory times. Every refused tar must leave nothing behind, and nothing
 * may ever be written outside the layer directory: a sentinel directory next to the store
 * (with a file a breakout would overwrite) is checked after every case.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CtrimgError } from '../../../src/errors.js';
import { DirImporter } from '../../../src/importers/dir.js';
import { bytesOf } from '../../../src/layers/byte-paths.js';
import { readXattrs } from '../../../src/layers/xattrs.js';
import {
  dir,
  file,
  hardlink,
  listTree,
  makeTar,
  paxRecords,
  rawEntry,
  symlink,
  tempRoot,
  type TarEntry,
} from '../../support/tars.js';

const importer = new DirImporter();
const T1 = new Date('2019-03-04T05:06:07Z');
const T2 = new Date('2022-08-09T10:11:12Z');

describe('importers/dir against hostile and odd tars', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let layers: string;
  let sentinel: string;
  let warnings: string[];
  beforeEach(async () => {
    ({ root, cleanup } = await tempRoot());
    layers = join(root, 'store', 'layers');
    sentinel = join(root, 'sentinel');
    await mkdir(layers, { recursive: true });
    await mkdir(sentinel);
    await writeFile(join(sentinel, 'passwd'), 'untouched');
    warnings = [];
  });
  afterEach(() => cleanup());

  const importBytes = async (name: string, bytes: Buffer, parents: string[] = []) => {
    const layerPath = join(layers, name);
    await importer.importLayer(Readable.from([bytes]), layerPath, { parents, warn: (m) => warnings.push(m) });
    return layerPath;
  };
  const importTar = async (name: string, entries: TarEntry[], parents: string[] = []) =>
    importBytes(name, await makeTar(entries), parents);

  /** Nothing outside the layers directory changed, and nothing is left in it but `layerNames`. */
  async function assertConfined(layerNames: string[] = []): Promise<void> {
    assert.deepEqual(await listTree(sentinel), ['passwd'], 'nothing written next to the store');
    assert.equal(await readFile(join(sentinel, 'passwd'), 'utf8'), 'untouched');
    const tree = await listTree(root);
    const children = (dir: string) => tree.filter((p) => p.startsWith(dir) && /^[^/]+\/?$/.test(p.slice(dir.length)));
    assert.deepEqual(children(''), ['sentinel/', 'store/']);
    assert.deepEqual(children('store/').filter((p) => p !== 'store/containers/'), ['store/layers/']);
    assert.deepEqual(children('store/layers/'), layerNames.map((n) => `store/layers/${n}/`), 'no temp directory is left behind');
  }
  const containerPath = () => join(root, 'store', 'containers', 'c');

  const rejects = (code: string, entry: string) => (err: unknown) => {
    assert.ok(err instanceof CtrimgError, String(err));
    assert.equal(err.code, code, err.message);
    assert.ok(err.message.includes(`'${entry}'`), `names the entry ${entry}: ${err.message}`);
    return true;
  };

  describe("breakouts land inside the layer where containerd's pkg/archive puts them inside its root", () => {
    // Relative to the layer's temp directory, store/layers/<tmp>/x: three levels up is `root`.
    // containerd resolves every symlink met on the way inside its root: an absolute target from
    // the root, `..` clamped there. `at` is where the entry lands, from the layer's root.
    const cases: Array<[string, () => TarEntry[], () => string, 'file' | 'dir' | 'link' | 'marker']> = [
      ['a file through a symlink to an absolute directory (SymlinkAbsolute)', () => [symlink('etc', sentinel), file('etc/passwd', 'pwned')], () => `${sentinel}/passwd`, 'file'],
      ['a file through a relative symlink climbing out (SymlinkUpAndOut)', () => [symlink('etc', '../../../sentinel'), file('etc/passwd', 'pwned')], () => 'sentinel/passwd', 'file'],
      ['a file through a directory replaced by a symlink (SymlinkOverridePath)', () => [dir('etc'), file('etc/a', 'a'), symlink('etc', sentinel), file('etc/passwd', 'pwned')], () => `${sentinel}/passwd`, 'file'],
      ['a directory through a directory replaced by a symlink', () => [dir('etc'), symlink('etc', sentinel), dir('etc/sub')], () => `${sentinel}/sub`, 'dir'],
      ['a hard link placed through a directory replaced by a symlink', () => [file('f', 'pwned'), dir('etc'), symlink('etc', sentinel), hardlink('etc/passwd', 'f')], () => `${sentinel}/passwd`, 'link'],
      ['a whiteout through a symlink (WhiteoutSymlinkPath)', () => [symlink('etc', sentinel), file('etc/.wh.passwd')], () => `${sentinel}/.wh.passwd`, 'marker'],
      ['an opaque marker through a symlink', () => [symlink('etc', sentinel), file('etc/.wh..wh..opq')], () => `${sentinel}/.wh..wh..opq`, 'marker'],
    ];
    for (const [what, entries, at, kind] of cases) {
      it(what, async () => {
        const layer = await importTar('L', entries());
        const st = await lstat(join(layer, at()));
        if (kind === 'dir') assert.ok(st.isDirectory());
        else if (kind === 'marker') assert.equal(st.size, 0);
        else assert.equal(await readFile(join(layer, at()), 'utf8'), 'pwned');
        if (kind === 'link') assert.equal(st.ino, (await lstat(join(layer, 'f'))).ino);
        assert.ok((await lstat(join(layer, 'etc'))).isSymbolicLink());
        await assertConfined(['L']);
      });
    }

    it("a whiteout through a symlink removes the lower entry where the symlink points (WhiteoutSymlinkPath)", async () => {
      const l1 = await importTar('l1', [dir('etc'), file('etc/passwd', 'all users'), file('etc/whitedout', 'x'), symlink('localetc', '/etc')]);
      const l2 = await importTar('l2', [file('localetc/.wh.whitedout')], [l1]);
      const container = containerPath();
      await importer.createContainer(container, [l2, l1]);
      assert.deepEqual(await listTree(container), ['etc/', 'etc/passwd', 'localetc']);
      await assertConfined(['l1', 'l2']);
    });

    it('a whiteout of a lower symlink removes the link only (WhiteoutSymlink)', async () => {
      const l1 = await importTar('l1', [dir('etc'), file('etc/passwd', 'all users'), symlink('localetc', '/etc')]);
      const l2 = await importTar('l2', [file('.wh.localetc')], [l1]);
      const container = containerPath();
      await importer.createContainer(container, [l2, l1]);
      assert.deepEqual(await listTree(container), ['etc/', 'etc/passwd']);
    });

    it('a whiteout through .. removes what the cleaned name names (WhiteoutRelativePath)', async () => {
      const l1 = await importTar('l1', [dir('etc'), file('etc/passwd', 'all users'), symlink('localetc', '/dne')]);
      const l2 = await importTar('l2', [file('dne/../.wh.etc')], [l1]);
      const container = containerPath();
      await importer.createContainer(container, [l2, l1]);
      assert.deepEqual(await listTree(container), ['localetc']);
    });

    const refused: Array<[string, () => TarEntry[], string, string]> = [
      ['a hard link to a file outside, through a symlink: resolved inside, where nothing is', () => [symlink('etc', sentinel), hardlink('stolen', 'etc/passwd')], 'etc/passwd', 'INVALID_TAR'],
      ['a whiteout of the layer root (.wh.., WhiteoutRoot)', () => [file('.wh..')], '.wh..', 'UNSAFE_TAR'],
      ['a whiteout of the parent of the root (.wh..., WhiteoutRootParent)', () => [file('.wh...')], '.wh...', 'UNSAFE_TAR'],
      ['a whiteout of its own directory (etc/.wh.., WhiteoutCurrentDirectory)', () => [dir('etc'), file('etc/.wh..')], 'etc/.wh..', 'UNSAFE_TAR'],
      ['a whiteout of the parent directory (etc/.wh..., WhiteoutParent)', () => [dir('etc'), file('etc/.wh...')], 'etc/.wh...', 'UNSAFE_TAR'],
      ['a whiteout with an empty name (.wh.)', () => [file('.wh.')], '.wh.', 'UNSAFE_TAR'],
      ['an entry under a symlink loop (fs.RootPath: too many links)', () => [symlink('a', 'b'), symlink('b', 'a'), file('a/x', 'x')], 'a/x', 'UNSAFE_TAR'],
      ['a directory under a self-referencing symlink', () => [symlink('s', 's'), dir('s/d')], 's/d', 'UNSAFE_TAR'],
      ['a hard link to a target under a symlink loop', () => [symlink('a', 'b'), symlink('b', 'a'), hardlink('h', 'a/x')], 'a/x', 'UNSAFE_TAR'],
    ];
    for (const [what, entries, entry, code] of refused) {
      it(`refuses ${what}`, async () => {
        await assert.rejects(importTar('L', entries()), rejects(code, entry));
        await assertConfined();
      });
    }

    it("refuses an entry under a hard link to a parent layer's file, as containerd's mkparent does (not a directory), though the copy is made only at the end", async () => {
      const base = await importTar('B', [file('f', 'lower')]);
      await assert.rejects(importTar('L', [hardlink('a', 'f'), file('a/x', 'x')], [base]), rejects('INVALID_TAR', 'a/x'));
      await assertConfined(['B']);
    });

    it('refuses a path under a directory with a whiteout name, which containerd writes (WhiteoutDirectoryName): in a diff layer it would act as a marker', async () => {
      await assert.rejects(importTar('L', [file('.wh.etc/somefile', 'non-empty')]), rejects('INVALID_TAR', '.wh.etc/somefile'));
      await assertConfined();
    });

    it('refuses an entry type it does not know', async () => {
      const bytes = Buffer.concat([await rawEntry('Z', 'odd', 'data'), await makeTar([file('ok', 'ok')])]);
      await assert.rejects(importBytes('L', bytes), rejects('INVALID_TAR', 'odd'));
      await assertConfined();
    });
  });

  describe('what is confined rather than refused', () => {
    it('ignores an entry that resolves to the root itself, as containerd does ("resolved to root")', async () => {
      const layer = await importTar('L', [file('.', 'not a root'), symlink('a/..', sentinel), dir('..', { mode: 0o700 }), file('ok', 'ok')]);
      const st = await lstat(layer);
      assert.ok(st.isDirectory());
      assert.equal(st.mode & 0o7777, 0o755);
      assert.deepEqual(await listTree(layer), ['ok']);
      await assertConfined(['L']);
    });

    it('stores absolute and climbing symlink targets as they are, never following them', async () => {
      const layer = await importTar('L', [symlink('etc', sentinel), symlink('up', '../../../sentinel/passwd')]);
      assert.equal(await readlink(join(layer, 'etc')), sentinel);
      assert.equal(await readlink(join(layer, 'up')), '../../../sentinel/passwd');
      await assertConfined(['L']);
    });

    it('stores symlink loops as symlinks and merges them without following', async () => {
      const layer = await importTar('L', [symlink('a', 'b'), symlink('b', 'a'), symlink('self', 'self'), file('ok', 'ok')]);
      assert.equal(await readlink(join(layer, 'a')), 'b');
      assert.equal(await readlink(join(layer, 'b')), 'a');
      assert.equal(await readlink(join(layer, 'self')), 'self');
      const container = containerPath();
      await importer.createContainer(container, [layer]);
      assert.deepEqual(await listTree(container), ['a', 'b', 'ok', 'self']);
      assert.equal(await readlink(join(container, 'a')), 'b');
    });

    it('a whiteout of a lower symlink removes the link, not what it points to', async () => {
      const l1 = await importTar('l1', [symlink('localetc', sentinel), file('keep', 'k')]);
      const l2 = await importTar('l2', [file('.wh.localetc')], [l1]);
      const container = containerPath();
      await importer.createContainer(container, [l2, l1]);
      assert.deepEqual(await listTree(container), ['keep']);
      await assertConfined(['l1', 'l2']);
    });

    it('a whiteout under a path that is a symlink in a lower layer applies to the upper directory only', async () => {
      const l1 = await importTar('l1', [symlink('localetc', sentinel)]);
      const l2 = await importTar('l2', [dir('localetc'), file('localetc/.wh.passwd')]);
      const container = containerPath();
      await importer.createContainer(container, [l2, l1]);
      assert.deepEqual(await listTree(container), ['localetc/']);
      await assertConfined(['l1', 'l2']);
    });
  });

  describe('whiteouts, duplicates and replacements', () => {
    it("an opaque marker after its siblings keeps the entries of its layer and the directories made for them (umoci and containerd's overlayfs applier; applyNaive's unpackedPaths loses old/sub/x)", async () => {
      const l1 = await importTar('l1', [file('old/a', 'a'), file('old/sub/b', 'b'), file('other', 'o')]);
      const l2 = await importTar('l2', [dir('old'), file('old/c', 'c'), dir('old/kept'), file('old/kept/y', 'y'), file('old/sub/x', 'x'), file('old/.wh..wh..opq')]);
      assert.deepEqual(await listTree(l2), ['old/', 'old/.wh..wh..opq', 'old/c', 'old/kept/', 'old/kept/y', 'old/sub/', 'old/sub/x']);
      const container = containerPath();
      await importer.createContainer(container, [l2, l1]);
      assert.deepEqual(await listTree(container), ['old/', 'old/c', 'old/kept/', 'old/kept/y', 'old/sub/', 'old/sub/x', 'other']);
    });

    it("a directory replaced by a file takes the file, its mode, and the directory entry's times (containerd sets those last by name)", async () => {
      const layer = await importTar('L', [
        dir('a', { mode: 0o700, mtime: T1 }),
        file('a/x', 'x'),
        file('a', 'file', { mode: 0o640, mtime: T2 }),
      ]);
      const a = await lstat(join(layer, 'a'));
      assert.ok(a.isFile());
      assert.equal(a.mode & 0o7777, 0o640);
      assert.equal(a.mtime.getTime(), T1.getTime());
      assert.deepEqual(await listTree(layer), ['a']);
    });

    it('a symlink replaced by a directory is a real directory', async () => {
      const layer = await importTar('L', [symlink('s', sentinel), dir('s'), file('s/x', 'inside')]);
      assert.ok((await lstat(join(layer, 's'))).isDirectory());
      assert.equal(await readFile(join(layer, 's/x'), 'utf8'), 'inside');
      await assertConfined(['L']);
    });

    it('a directory repeated keeps its contents and takes the last header', async () => {
      const layer = await importTar('L', [dir('d', { mode: 0o700, mtime: T1 }), file('d/x', 'x'), dir('d', { mode: 0o750, mtime: T2 })]);
      const d = await lstat(join(layer, 'd'));
      assert.equal(d.mode & 0o7777, 0o750);
      assert.equal(d.mtime.getTime(), T2.getTime());
      assert.deepEqual(await listTree(layer), ['d/', 'd/x']);
    });

    it('a file written over a hard link does not change the file it was linked to', async () => {
      const layer = await importTar('L', [file('f', 'original'), hardlink('h', 'f'), file('h', 'replacement')]);
      assert.equal(await readFile(join(layer, 'f'), 'utf8'), 'original');
      assert.equal(await readFile(join(layer, 'h'), 'utf8'), 'replacement');
      assert.notEqual((await lstat(join(layer, 'f'))).ino, (await lstat(join(layer, 'h'))).ino);
    });

    it('a hard link to a target that is missing fails naming both', async () => {
      await assert.rejects(importTar('L', [dir('d'), hardlink('d/h', 'd/missing')]), rejects('INVALID_TAR', 'd/missing'));
      await assertConfined();
    });
  });

  describe('devices, PAX and GNU extensions, xattrs', () => {
    it('makes fifos, and device nodes as root with their numbers, mode and owner (without root: skipped with one warning)', async () => {
      const layer = await importTar('L', [
        { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
        { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0, mode: 0o660, gid: 6 },
        { name: 'run/pipe', type: 'fifo', mode: 0o620 },
        file('ok', 'ok'),
      ]);
      const pipe = await lstat(join(layer, 'run/pipe'));
      assert.ok(pipe.isFIFO());
      assert.equal(pipe.mode & 0o7777, 0o620);
      if (process.getuid?.() === 0) {
        const [nul, sda] = await Promise.all([lstat(join(layer, 'dev/null')), lstat(join(layer, 'dev/sda'))]);
        assert.ok(nul.isCharacterDevice());
        assert.deepEqual([nul.rdev >> 8, nul.rdev & 0xff, nul.mode & 0o7777], [1, 3, 0o666]);
        assert.ok(sda.isBlockDevice());
        assert.deepEqual([sda.rdev >> 8, sda.rdev & 0xff, sda.mode & 0o7777, sda.gid], [8, 0, 0o660, 6]);
        assert.deepEqual(warnings, []);
        assert.deepEqual(await listTree(layer), ['dev/', 'dev/null', 'dev/sda', 'ok', 'run/', 'run/pipe']);
      } else {
        assert.deepEqual(warnings, ["skipped 2 device nodes, first 'dev/null': only root can make them (as containerd does in a user namespace); the rest is imported"]);
        assert.deepEqual(await listTree(layer), ['dev/', 'ok', 'run/', 'run/pipe']);
      }
    });

    it('reads PAX long names and long link names without warnings', async () => {
      const longDir = `usr/${'d'.repeat(120)}/${'e'.repeat(120)}`;
      const longFile = `${longDir}/${'f'.repeat(200)}.txt`;
      const layer = await importTar('L', [
        file(longFile, 'long'),
        symlink(`${longDir}/link-${'l'.repeat(150)}`, `/${'t'.repeat(300)}`),
        hardlink(`${longDir}/hard-${'h'.repeat(150)}`, longFile),
      ]);
      assert.ok(longFile.length > 255);
      assert.equal(await readFile(join(layer, longFile), 'utf8'), 'long');
      assert.equal(await readlink(join(layer, `${longDir}/link-${'l'.repeat(150)}`)), `/${'t'.repeat(300)}`);
      const [a, b] = await Promise.all([lstat(join(layer, longFile)), lstat(join(layer, `${longDir}/hard-${'h'.repeat(150)}`))]);
      assert.equal(a.ino, b.ino);
      assert.deepEqual(warnings, []);
    });

    it('applies a PAX global header without writing it or warning', async () => {
      const global = await rawEntry('g', 'pax_global_header', paxRecords({ comment: 'a1b2c3d4e5f6' }));
      const layer = await importBytes('L', Buffer.concat([global, await makeTar([file('a', 'a'), dir('d')])]));
      assert.deepEqual(await listTree(layer), ['a', 'd/']);
      assert.deepEqual(warnings, []);
    });

    it('reads GNU long names and long link names', async () => {
      const longName = `gnu/${'n'.repeat(150)}`;
      const longTarget = `/${'t'.repeat(150)}`;
      const bytes = Buffer.concat([
        await rawEntry('L', '././@LongLink', `${longName}\0`),
        await rawEntry('K', '././@LongLink', `${longTarget}\0`),
        (await makeTar([symlink('short-name', 'short-target')])).subarray(0, -1024),
        await makeTar([]),
      ]);
      const layer = await importBytes('L', bytes);
      assert.deepEqual(await listTree(layer), ['gnu/', longName]);
      assert.equal(await readlink(join(layer, longName)), longTarget);
      assert.deepEqual(warnings, []);
    });

    it('keeps extended attributes, security.capability as root (without root: dropped with one warning, as containerd drops EPERM)', async () => {
      // cap_net_raw+ep as setcap writes it: VFS_CAP_REVISION_2 with the effective flag, permitted bit 13.
      const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex');
      const layer = await importTar('L', [
        file('bin/ping', 'ping', { pax: { 'SCHILY.xattr.security.capability': cap.toString('latin1') } } as TarEntry),
        file('etc/conf', 'conf', { pax: { 'SCHILY.xattr.user.note': 'hi', 'LIBARCHIVE.xattr.user.other': 'aGk' } } as TarEntry),
        file('plain', 'p'),
      ]);
      assert.equal(await readFile(join(layer, 'bin/ping'), 'utf8'), 'ping');
      assert.deepEqual(
        await readXattrs(bytesOf(join(layer, 'etc/conf'))),
        new Map([
          ['user.note', Buffer.from('hi')],
          ['user.other', Buffer.from('hi')],
        ]),
      );
      assert.deepEqual(await readXattrs(bytesOf(join(layer, 'plain'))), new Map());
      if (process.getuid?.() === 0) {
        assert.deepEqual(await readXattrs(bytesOf(join(layer, 'bin/ping'))), new Map([['security.capability', cap]]));
        assert.deepEqual(warnings, []);
      } else {
        assert.deepEqual(await readXattrs(bytesOf(join(layer, 'bin/ping'))), new Map());
        assert.equal(warnings.length, 1, warnings.join('\n'));
        assert.match(warnings[0]!, /^dropped 1 extended attribute the file system refused, first: .*bin\/ping: Operation not permitted$/);
      }
    });
  });

  describe('times', () => {
    it('applies directory times last, whatever is written into them afterwards, and ignores the entry of the root', async () => {
      const layer = await importTar('L', [
        dir('./', { mtime: T1, mode: 0o755 }),
        dir('d', { mtime: T1, mode: 0o555 }),
        dir('d/e', { mtime: T2 }),
        file('x', 'x', { mtime: T2 }),
        file('d/f', 'f', { mtime: T2 }),
        hardlink('d/e/h', 'x'),
        { name: 'd/e/s', type: 'symlink', linkname: 'h', mtime: T1 },
        file('d/.wh.gone'),
        dir('d/new', { mtime: T2 }),
        file('d/new/y', 'y'),
      ]);
      // containerd ignores an entry that resolves to the root itself ("file \".\" ignored: resolved to root").
      assert.notEqual((await lstat(layer)).mtime.getTime(), T1.getTime(), 'the root entry is ignored');
      for (const [rel, t] of [['d', T1], ['d/e', T2], ['d/new', T2], ['x', T2], ['d/e/s', T1]] as const) {
        assert.equal((await lstat(join(layer, rel))).mtime.getTime(), t.getTime(), `mtime of '${rel}'`);
      }
      assert.equal((await lstat(join(layer, 'd'))).mode & 0o7777, 0o555);
    });
  });
});

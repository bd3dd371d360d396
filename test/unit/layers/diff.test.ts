/**
 * layers/diff: a container's merged tree walked against its image's layers gives the layer tar
 * of exactly what changed (each kind of change, per-entry whiteouts, parents before children,
 * hard links), in a fixed order and the same bytes every time; unpacked over the image's layers
 * and merged, that tar gives back the container's tree; GNU tar reads it as a standard archive.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, linkSync, mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { diffTar, type DiffCount } from '../../../src/layers/diff.js';
import { mergeLayers } from '../../../src/layers/merge.js';
import { setMeta } from '../../../src/layers/meta.js';
import { readTar } from '../../../src/layers/tar/reader.js';
import { unpackLayer } from '../../../src/layers/unpack.js';
import { XattrBatch } from '../../../src/layers/xattrs.js';
import { readAll, tempRoot } from '../../support/tars.js';
import { diffDirs } from '../../support/tree-diff.js';

const noRoomCheck = async () => {};

async function tarOf(upper: string, lowers: string[]): Promise<{ tar: Buffer; count: DiffCount }> {
  const count: DiffCount = { entries: 0 };
  return { tar: await readAll(Readable.from(diffTar(upper, lowers, count))), count };
}

/** Each entry as `name type[ -> link]`, in archive order, read by ctrimg's own (Go-compatible) reader. */
async function listing(tar: Buffer): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readTar(Readable.from([tar]))) {
    const h = e.header;
    out.push(`${h.name.toString('latin1')} ${h.type}${h.linkname.length ? ` -> ${h.linkname.toString('latin1')}` : ''}`);
    for await (const _ of e);
  }
  return out;
}

describe('layers/diff', function () {
  this.timeout(30_000);
  let root: string;
  let cleanup: () => Promise<void>;
  /** The image's layers, nearest first, and the container made of them. */
  let lowers: string[];
  let container: string;
  beforeEach(async () => {
    ({ root, cleanup } = await tempRoot());
    const base = join(root, 'base');
    const top = join(root, 'top');
    for (const d of ['bin', 'data', 'etc', 'opt/x', 'usr/lib', 'var/log']) mkdirSync(join(base, d), { recursive: true });
    writeFileSync(join(base, 'bin/sh'), 'sh');
    chmodSync(join(base, 'bin/sh'), 0o755);
    writeFileSync(join(base, 'bin/ls'), 'ls');
    writeFileSync(join(base, 'data/a'), 'a');
    writeFileSync(join(base, 'data/b'), 'b');
    writeFileSync(join(base, 'etc/passwd'), 'root');
    writeFileSync(join(base, 'etc/hosts'), 'hosts');
    writeFileSync(join(base, 'opt/x/y'), 'y');
    writeFileSync(join(base, 'usr/lib/libc'), 'libc');
    writeFileSync(join(base, 'var/log/old'), 'old');
    symlinkSync('usr/lib', join(base, 'lib'));
    // The layer above deletes etc/hosts and adds to var/log: the walk must see the merged tree.
    mkdirSync(join(top, 'etc'), { recursive: true });
    mkdirSync(join(top, 'var/log'), { recursive: true });
    writeFileSync(join(top, 'etc/.wh.hosts'), '');
    writeFileSync(join(top, 'var/log/new'), 'new');
    for (const layer of [base, top]) {
      execFileSync('find', [layer, '-exec', 'touch', '-h', '-d', '@1600000000.123456', '{}', '+']);
    }
    lowers = [top, base];
    container = join(root, 'container');
    await mkdir(container);
    await mergeLayers(container, [base, top], noRoomCheck);
  });
  afterEach(() => cleanup());

  it('writes no entry for an unchanged container: the end-of-archive blocks alone', async () => {
    const { tar, count } = await tarOf(container, lowers);
    assert.equal(count.entries, 0);
    assert.deepEqual(tar, Buffer.alloc(1024));
  });

  describe('a container with every kind of change', () => {
    beforeEach(async () => {
      const at = (p: string) => join(container, p);
      writeFileSync(at('etc/new'), 'new file');
      writeFileSync(at('etc/passwd'), 'root:x:0:0');
      chmodSync(at('bin/sh'), 0o700);
      chownSync(at('bin/ls'), 1000, 1001);
      await setMeta(at('usr/lib/libc'), { mtime: { sec: 1_700_000_000, nsec: 5_000 } }, false);
      unlinkSync(at('lib'));
      symlinkSync('usr/lib64', at('lib'));
      const batch = new XattrBatch();
      batch.add(at('data/a'), new Map([['user.k', Buffer.from([0, 1, 2, 0xff])]]));
      await batch.apply();
      unlinkSync(at('data/b'));
      rmSync(at('var/log'), { recursive: true });
      rmSync(at('opt'), { recursive: true });
      symlinkSync('/srv', at('opt'));
      mkdirSync(at('newdir'));
      writeFileSync(at('newdir/f'), Buffer.alloc(70_000, 7));
      linkSync(at('newdir/f'), at('newdir/g'));
    });

    it('lists each change once, parents first, deletions as whiteouts beside them, in byte order of names', async () => {
      const { tar, count } = await tarOf(container, lowers);
      const got = await listing(tar);
      assert.deepEqual(got, [
        'bin/ directory',
        'bin/ls file',
        'bin/sh file',
        'data/ directory',
        'data/a file',
        'data/.wh.b file',
        'etc/ directory',
        'etc/new file',
        'etc/passwd file',
        'lib symlink -> usr/lib64',
        'newdir/ directory',
        'newdir/f file',
        'newdir/g link -> newdir/f',
        'opt symlink -> /srv',
        'usr/ directory',
        'usr/lib/ directory',
        'usr/lib/libc file',
        'var/ directory',
        'var/.wh.log file',
      ]);
      assert.equal(count.entries, got.length);
    });

    it('carries owners, modes, nanosecond times and extended attributes in the headers', async () => {
      const { tar } = await tarOf(container, lowers);
      const headers = new Map<string, Awaited<ReturnType<typeof firstHeaders>>[number]>();
      for (const h of await firstHeaders(tar)) headers.set(h.name.toString('latin1'), h);
      assert.equal(headers.get('bin/sh')!.mode, 0o700);
      assert.deepEqual([headers.get('bin/ls')!.uid, headers.get('bin/ls')!.gid], [1000, 1001]);
      assert.deepEqual(headers.get('usr/lib/libc')!.mtime, { sec: 1_700_000_000, nsec: 5_000 });
      assert.deepEqual(headers.get('data/a')!.xattrs.get('user.k'), Buffer.from([0, 1, 2, 0xff]));
      assert.equal(headers.get('newdir/f')!.size, 70_000);
      assert.deepEqual(headers.get('var/.wh.log')!.mtime, { sec: 0, nsec: 0 });
    });

    it('is deterministic: the same trees give the same bytes', async () => {
      const a = await tarOf(container, lowers);
      const b = await tarOf(container, lowers);
      assert.ok(a.tar.equals(b.tar));
    });

    it('unpacked over the image layers and merged, gives back the container tree exactly', async () => {
      const { tar } = await tarOf(container, lowers);
      const layer = join(root, 'committed');
      await mkdir(layer);
      await unpackLayer(Readable.from([tar]), layer, { parents: lowers }, noRoomCheck);
      const again = join(root, 'again');
      await mkdir(again);
      await mergeLayers(again, [...lowers].reverse().concat(layer), noRoomCheck);
      const diffs = await diffDirs(container, again, {
        labels: ['container', 'from the commit'],
        ignore: [{ path: '', fields: ['mtime'], why: "the root's own attributes are the store's, never part of a layer" }],
      });
      assert.deepEqual(diffs, []);
    });

    it('is a standard archive: GNU tar lists the same entries', async () => {
      const { tar } = await tarOf(container, lowers);
      const gnu = execFileSync('tar', ['-tf', '-'], { input: tar, encoding: 'latin1' }).trim().split('\n');
      const ours = (await listing(tar)).map((l) => l.split(' ')[0]);
      assert.deepEqual(gnu, ours);
    });
  });

  it('writes a directory that replaces a file, and everything below it', async () => {
    rmSync(join(container, 'etc/passwd'));
    mkdirSync(join(container, 'etc/passwd'));
    writeFileSync(join(container, 'etc/passwd/inner'), 'i');
    const got = await listing((await tarOf(container, lowers)).tar);
    assert.deepEqual(got, ['etc/ directory', 'etc/passwd/ directory', 'etc/passwd/inner file']);
  });

  it('refuses a container that holds a name reserved for whiteouts', async () => {
    writeFileSync(join(container, 'etc/.wh.sneaky'), '');
    await assert.rejects(tarOf(container, lowers), (err: Error & { code?: string }) => err.code === 'WHITEOUT_NAME');
  });
});

async function firstHeaders(tar: Buffer) {
  const out = [];
  for await (const e of readTar(Readable.from([tar]))) {
    out.push(e.header);
    for await (const _ of e);
  }
  return out;
}

/**
 * Random changes to a container of a two-layer image: whatever was added, removed, rewritten,
 * re-typed or re-moded, the diff unpacked over the image's layers and merged gives back the
 * container's tree exactly. A failure prints fast-check's seed and path to replay it.
 */
describe('layers/diff: random changes round-trip', function () {
  this.timeout(300_000);
  const NAMES = ['a', 'b', 'c'];
  const op = fc.oneof(
    fc.record({ kind: fc.constant('write' as const), path: fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }), data: fc.string({ maxLength: 20 }) }),
    fc.record({ kind: fc.constant('mkdir' as const), path: fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant('remove' as const), path: fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant('chmod' as const), path: fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }), mode: fc.constantFrom(0o700, 0o755, 0o640, 0o4755) }),
    fc.record({ kind: fc.constant('symlink' as const), path: fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }), target: fc.constantFrom('a', '../b', '/c') }),
  );

  type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

  /** Applies one change where it can be made (a missing parent or a clash skips it). */
  function apply(root: string, o: Op): void {
    const path = join(root, ...o.path);
    try {
      if (o.kind === 'write') writeFileSync(path, o.data);
      else if (o.kind === 'mkdir') mkdirSync(path);
      else if (o.kind === 'remove') rmSync(path, { recursive: true });
      else if (o.kind === 'chmod') chmodSync(path, o.mode);
      else symlinkSync(o.target, path);
    } catch {
      // ENOENT, EEXIST, EISDIR, ENOTDIR: not a change this tree can take.
    }
  }

  it('gives back the container tree for 12 random sequences of changes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const { root, cleanup } = await tempRoot();
        try {
          const base = join(root, 'base');
          const top = join(root, 'top');
          for (const d of ['a/b', 'b', 'c/a']) mkdirSync(join(base, d), { recursive: true });
          writeFileSync(join(base, 'a/b/c'), 'abc');
          writeFileSync(join(base, 'a/a'), 'aa');
          writeFileSync(join(base, 'c/a/b'), 'cab');
          for (const d of ['b', 'c']) mkdirSync(join(top, d), { recursive: true });
          writeFileSync(join(top, 'c/.wh.a'), '');
          writeFileSync(join(top, 'c/b'), 'cb');
          writeFileSync(join(top, 'b/.wh..wh..opq'), '');
          const container = join(root, 'container');
          await mkdir(container);
          await mergeLayers(container, [base, top], noRoomCheck);
          for (const o of ops) apply(container, o);
          const { tar, count } = await tarOf(container, [top, base]);
          const layer = join(root, 'committed');
          await mkdir(layer);
          await unpackLayer(Readable.from([tar]), layer, { parents: [top, base] }, noRoomCheck);
          const again = join(root, 'again');
          await mkdir(again);
          await mergeLayers(again, [base, top, layer], noRoomCheck);
          const diffs = await diffDirs(container, again, {
            labels: ['container', 'from the commit'],
            ignore: [{ path: '', fields: ['mtime', 'mode'], why: "the root's own attributes are the store's, never part of a layer" }],
          });
          assert.deepEqual(diffs, [], `${count.entries} entries`);
        } finally {
          await cleanup();
        }
      }),
      { numRuns: 12, verbose: true },
    );
  });
});

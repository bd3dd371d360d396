/**
 * The reader on archives GNU tar writes, in each of its formats, checked field by field against
 * what the file system (lstat, getfattr) and GNU tar's own listing say about the same files.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  chmodSync,
  symlinkSync,
  linkSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TarHeader } from '../../../../src/layers/tar/header.js';
import { readTar } from '../../../../src/layers/tar/reader.js';

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
const B = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s) : s);
const under = (dir: string, name: Buffer) => Buffer.concat([Buffer.from(dir + '/'), name]);

interface Read {
  header: TarHeader;
  data: Buffer;
}

async function readArchive(path: string): Promise<Read[]> {
  const out: Read[] = [];
  for await (const e of readTar(createReadStream(path))) {
    const chunks: Buffer[] = [];
    for await (const c of e) chunks.push(c);
    out.push({ header: e.header, data: Buffer.concat(chunks) });
  }
  return out;
}

/** Every path under `dir` as raw bytes, relative, directories included. */
function walk(dir: Buffer, prefix = Buffer.alloc(0)): Buffer[] {
  const out: Buffer[] = [];
  for (const name of readdirSync(dir, { encoding: 'buffer' })) {
    const rel = prefix.length ? Buffer.concat([prefix, B('/'), name]) : name;
    out.push(rel);
    const path = Buffer.concat([dir, B('/'), name]);
    if (lstatSync(path).isDirectory()) out.push(...walk(path, rel));
  }
  return out;
}

/** An archive name without its leading './' and trailing '/'. */
function relName(name: Buffer): Buffer {
  let n = name;
  if (n.subarray(0, 2).equals(B('./'))) n = n.subarray(2);
  if (n.length && n[n.length - 1] === 0x2f) n = n.subarray(0, -1);
  return n;
}

const FEATURES = ['base', 'fifo', 'before-epoch', 'long-names', 'not-utf8', 'ustar-prefix'] as const;
type Feature = (typeof FEATURES)[number];

/** What each format can hold (GNU tar refuses the rest). */
const FORMATS: Record<string, Feature[]> = {
  gnu: ['base', 'fifo', 'before-epoch', 'long-names', 'not-utf8', 'ustar-prefix'],
  oldgnu: ['base', 'fifo', 'before-epoch', 'long-names', 'not-utf8', 'ustar-prefix'],
  posix: ['base', 'fifo', 'before-epoch', 'long-names', 'not-utf8', 'ustar-prefix'],
  ustar: ['base', 'fifo', 'not-utf8', 'ustar-prefix'],
  v7: ['base', 'not-utf8'],
};

function makeTree(dir: string, features: Feature[]) {
  mkdirSync(dir);
  const at = (p: string) => join(dir, p);
  if (features.includes('base')) {
    writeFileSync(at('empty'), '');
    writeFileSync(at('small'), 'hello\n');
    writeFileSync(at('block'), Buffer.alloc(512, 0x61));
    writeFileSync(at('odd'), Buffer.from(Array.from({ length: 70_001 }, (_, i) => (i * 7) & 0xff)));
    writeFileSync(at('suid'), '#!/bin/sh\n');
    chmodSync(at('suid'), 0o4755);
    mkdirSync(at('sgid'));
    chmodSync(at('sgid'), 0o2775);
    mkdirSync(at('sticky'));
    chmodSync(at('sticky'), 0o1777);
    mkdirSync(at('d'));
    symlinkSync('../small', at('d/link'));
    linkSync(at('small'), at('hard'));
    writeFileSync(at('future'), 'f');
    run('touch', ['-d', '@4102444800.123456789', at('future')]);
  }
  if (features.includes('fifo')) run('mkfifo', [at('fifo')]);
  if (features.includes('before-epoch')) {
    writeFileSync(at('old'), 'o');
    run('touch', ['-d', '@-1.5', at('old')]);
  }
  if (features.includes('long-names')) {
    writeFileSync(at('l'.repeat(150)), 'long');
    mkdirSync(at('x'.repeat(100)));
    writeFileSync(at(`${'x'.repeat(100)}/${'y'.repeat(200)}`), 'deep');
    symlinkSync('t'.repeat(150), at('longlink'));
  }
  // Paths over 100 bytes that ustar splits into its prefix and name fields.
  if (features.includes('ustar-prefix')) {
    const deep = `${'p'.repeat(60)}/${'p'.repeat(60)}`;
    mkdirSync(at(deep), { recursive: true });
    writeFileSync(at(`${deep}/${'q'.repeat(50)}`), 'prefixed');
  }
  if (features.includes('not-utf8')) writeFileSync(under(dir, Buffer.from([0x6e, 0xff, 0xfe, 0x2e])), 'bytes');
}

describe('layers/tar/reader: archives GNU tar writes', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'ctrimg-tar-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  for (const [format, features] of Object.entries(FORMATS)) {
    it(`reads --format=${format} (${features.join(', ')}) as lstat describes the files`, async () => {
      const dir = join(tmp, format);
      makeTree(dir, features);
      const archive = join(tmp, `${format}.tar`);
      run('tar', [`--format=${format}`, '-cf', archive, '-C', dir, '.']);
      const entries = await readArchive(archive);

      const seen = new Map<string, bigint>();
      const names: string[] = [];
      for (const { header: h, data } of entries) {
        const rel = relName(h.name);
        if (rel.length === 0) continue;
        names.push(rel.toString('latin1'));
        const what = `${format}: ${rel.toString('latin1')}`;
        const path = under(dir, rel);
        const st = lstatSync(path, { bigint: true });
        assert.equal(h.mode, Number(st.mode & 0o7777n), `${what}: mode`);
        assert.equal(h.uid, Number(st.uid), `${what}: uid`);
        assert.equal(h.gid, Number(st.gid), `${what}: gid`);
        const sec = st.mtimeNs / 1_000_000_000n - (st.mtimeNs % 1_000_000_000n < 0n ? 1n : 0n);
        const nsec = st.mtimeNs - sec * 1_000_000_000n;
        // Only PAX keeps nanoseconds; the header fields hold whole seconds, rounded down.
        assert.deepEqual(h.mtime, { sec: Number(sec), nsec: format === 'posix' ? Number(nsec) : 0 }, `${what}: mtime`);
        if (st.isSymbolicLink()) {
          assert.equal(h.type, 'symlink', what);
          assert.deepEqual(h.linkname, readlinkSync(path, { encoding: 'buffer' }), `${what}: target`);
        } else if (st.isDirectory()) {
          assert.equal(h.type, 'directory', what);
        } else if (st.isFIFO()) {
          assert.equal(h.type, 'fifo', what);
        } else if (seen.has(String(st.ino))) {
          assert.equal(h.type, 'link', what);
          const target = lstatSync(under(dir, relName(h.linkname)), { bigint: true });
          assert.equal(target.ino, st.ino, `${what}: hard link target`);
        } else {
          assert.equal(h.type, 'file', what);
          assert.equal(h.size, Number(st.size), `${what}: size`);
          assert.deepEqual(data, readFileSync(path), `${what}: content`);
          seen.set(String(st.ino), st.ino);
        }
      }
      const expected = walk(Buffer.from(dir)).map((b) => b.toString('latin1'));
      assert.deepEqual(names.sort(), expected.sort());
    });
  }

  for (const format of ['gnu', 'oldgnu', 'posix']) {
    it(`reads uid 3000000 and the names --owner and --group gave, --format=${format}, as GNU tar lists them`, async () => {
      const dir = join(tmp, `owner-${format}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'f'), 'x');
      const archive = join(tmp, `owner-${format}.tar`);
      run('tar', [`--format=${format}`, '--owner=big:3000000', '--group=grp:3000001', '-cf', archive, '-C', dir, 'f']);
      const listed = run('tar', ['--numeric-owner', '-tvf', archive]).toString().split(/\s+/)[1]!;
      const [r] = await readArchive(archive);
      assert.equal(`${r!.header.uid}/${r!.header.gid}`, listed);
      assert.equal(r!.header.uid, 3000000);
      assert.equal(`${r!.header.uname}:${r!.header.gname}`, 'big:grp');
    });
  }

  it('reads extended attributes, binary values included, as getfattr shows them (--format=posix --xattrs)', async () => {
    const dir = join(tmp, 'xattrs');
    mkdirSync(dir);
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    run('setfattr', ['-n', 'user.binary', '-v', '0x00ff018002', file]);
    run('setfattr', ['-n', 'user.text', '-v', 'plain words', file]);
    const archive = join(tmp, 'xattrs.tar');
    run('tar', ['--format=posix', '--xattrs', '--xattrs-include=user.*', '-cf', archive, '-C', dir, 'f']);
    const expected = new Map<string, string>();
    for (const line of run('getfattr', ['--absolute-names', '-d', '-m', '^user\\.', '-e', 'hex', file]).toString().split('\n')) {
      const m = /^([^#=][^=]*)=0x([0-9a-f]*)$/.exec(line);
      if (m) expected.set(m[1]!, m[2]!);
    }
    assert.equal(expected.size, 2);
    const [r] = await readArchive(archive);
    assert.deepEqual(new Map([...r!.header.xattrs].map(([k, v]) => [k, v.toString('hex')])), expected);
  });

  describe('sparse files', () => {
    const MiB = 1 << 20;
    /** Data at the given offsets in a file of `size` bytes; the rest are holes. */
    const SPARSE: Record<string, { size: number; at: number[] }> = {
      'hole-at-start': { size: 4 * MiB, at: [3 * MiB + 123] },
      'hole-in-middle': { size: 4 * MiB, at: [0, 4 * MiB - 5000] },
      'hole-at-end': { size: 4 * MiB, at: [10] },
      'many-holes': { size: 8 * MiB, at: [0, MiB, 2 * MiB + 7, 5 * MiB, 7 * MiB] },
      'all-hole': { size: 3 * MiB, at: [] },
    };
    let dir: string;
    before(() => {
      dir = join(tmp, 'sparse');
      mkdirSync(dir);
      for (const [name, { size, at }] of Object.entries(SPARSE)) {
        const path = join(dir, name);
        writeFileSync(path, '');
        truncateSync(path, size);
        const fd = openSync(path, 'r+');
        for (const offset of at) writeSync(fd, Buffer.alloc(5000, (offset % 250) + 1), 0, 5000, offset);
        closeSync(fd);
      }
    });

    const ways: [string, string[]][] = [
      ['--format=gnu --sparse (GNU S)', ['--format=gnu', '--sparse']],
      ['--format=posix --sparse-version=0.0', ['--format=posix', '--sparse', '--sparse-version=0.0']],
      ['--format=posix --sparse-version=0.1', ['--format=posix', '--sparse', '--sparse-version=0.1']],
      ['--format=posix --sparse-version=1.0', ['--format=posix', '--sparse', '--sparse-version=1.0']],
    ];
    for (const [what, flags] of ways) {
      it(`reads ${what}: the runs put back in place give the file`, async () => {
        const archive = join(tmp, `sparse${flags.join('')}.tar`);
        run('tar', [...flags, '-cf', archive, '-C', dir, ...Object.keys(SPARSE)]);
        const entries = await readArchive(archive);
        assert.deepEqual(
          entries.map((e) => e.header.name.toString()),
          Object.keys(SPARSE),
        );
        for (const { header: h, data } of entries) {
          const name = h.name.toString();
          const expected = readFileSync(join(dir, name));
          assert.equal(h.type, 'file', name);
          assert.equal(h.size, lstatSync(join(dir, name)).size, `${name}: size`);
          assert.ok(h.sparse, `${name}: no sparse map`);
          const stored = h.sparse.reduce((n, r) => n + r.length, 0);
          assert.equal(data.length, stored, `${name}: stored bytes`);
          assert.ok(stored < h.size, `${name}: stored as a dense file`);
          const rebuilt = Buffer.alloc(h.size);
          let pos = 0;
          for (const run of h.sparse) {
            data.copy(rebuilt, run.offset, pos, pos + run.length);
            pos += run.length;
          }
          assert.ok(rebuilt.equals(expected), `${name}: content`);
        }
      });
    }
  });
});

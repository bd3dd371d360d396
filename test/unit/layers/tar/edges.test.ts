/**
 * The reader on hand-built archives: the corners of Go's archive/tar that GNU tar never
 * writes (or writes only rarely), and malformed input that must be refused clearly.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { CtrimgError } from '../../../../src/errors.js';
import { readTar } from '../../../../src/layers/tar/reader.js';
import { MAX_SPARSE_RUNS } from '../../../../src/layers/tar/sparse.js';
import type { TarHeader } from '../../../../src/layers/tar/header.js';
import { base256, END, entry, headerBlock, paxData } from '../../../support/tar-blocks.js';

interface Read {
  header: TarHeader;
  data: Buffer;
}

async function readAll(...parts: Buffer[]): Promise<Read[]> {
  const out: Read[] = [];
  for await (const e of readTar(Readable.from([Buffer.concat(parts)]))) {
    const chunks: Buffer[] = [];
    for await (const c of e) chunks.push(c);
    out.push({ header: e.header, data: Buffer.concat(chunks) });
  }
  return out;
}

/** Asserts an INVALID_TAR refusal whose message quotes `quoted` and matches `why`. */
async function refused(parts: Buffer[], quoted: string, why: RegExp) {
  await assert.rejects(readAll(...parts), (err: unknown) => {
    assert.ok(err instanceof CtrimgError, String(err));
    assert.equal(err.code, 'INVALID_TAR');
    assert.ok(err.message.includes(quoted), err.message);
    assert.match(err.message, why);
    return true;
  });
}

const pax = (records: [string, string | Buffer][], typeflag = 'x') => entry({ name: 'PaxHeaders/x', typeflag }, paxData(records));
const names = (rs: Read[]) => rs.map((r) => r.header.name.toString('latin1'));

describe('layers/tar/reader: hand-built archives', () => {
  it('reads negative base-256 times exactly (-1 and -2^40), and a positive one', async () => {
    const rs = await readAll(
      entry({ name: 'a', mtime: base256(-1n), magic: 'gnu' }),
      entry({ name: 'b', mtime: base256(-(2n ** 40n)), magic: 'gnu' }),
      entry({ name: 'c', mtime: base256(2n ** 40n + 5n), magic: 'gnu' }),
      END,
    );
    assert.deepEqual(
      rs.map((r) => r.header.mtime),
      [
        { sec: -1, nsec: 0 },
        { sec: -(2 ** 40), nsec: 0 },
        { sec: 2 ** 40 + 5, nsec: 0 },
      ],
    );
  });

  it('refuses a base-256 number beyond 53 bits rather than round it', async () => {
    await refused([entry({ name: 'big', mtime: base256(2n ** 60n), magic: 'gnu' }), END], "'big'", /malformed mtime/);
  });

  it('reads octal fields padded with spaces and NULs', async () => {
    const block = headerBlock({ name: 'sp', size: 0 });
    // mode "  755 \0" style padding, written by hand; the checksum is recomputed after.
    Buffer.from('  755 \0\0').copy(block, 100);
    block.fill(0x20, 148, 156);
    let sum = 0;
    for (const c of block) sum += c;
    Buffer.from(sum.toString(8).padStart(6, '0') + '\0 ').copy(block, 148);
    const [r] = await readAll(block, END);
    assert.equal(r!.header.mode, 0o755);
  });

  it('joins a ustar prefix, and a prefix under GNU magic as Go 1.7 and older wrote it', async () => {
    const rs = await readAll(
      entry({ name: 'file', at345: 'usr/share' }),
      entry({ name: 'old', magic: 'gnu', at345: 'written/by/go1.7' }),
      END,
    );
    assert.deepEqual(names(rs), ['usr/share/file', 'written/by/go1.7/old']);
  });

  it('reads GNU atime where the field parses, instead of taking it for a prefix', async () => {
    const at345 = Buffer.concat([Buffer.from('00000000144\0'), Buffer.from('00000000144\0')]);
    const [r] = await readAll(entry({ name: 'gnu', magic: 'gnu', at345 }), END);
    assert.equal(r!.header.name.toString(), 'gnu');
    assert.deepEqual(r!.header.atime, { sec: 0o144, nsec: 0 });
  });

  it('returns a PAX global header as its own entry and never applies its path to the next entry', async () => {
    const rs = await readAll(pax([['path', 'evil'], ['mtime', 'not a time']], 'g'), entry({ name: 'a', mtime: 3 }, 'x'), END);
    // Go merges the records into the global header's own fields, and into nothing after it.
    assert.deepEqual(names(rs), ['evil', 'a']);
    assert.equal(rs[0]!.header.typeflag, 'g');
    assert.equal(rs[0]!.header.type, undefined);
    assert.equal(rs[0]!.header.pax.get('path')?.toString(), 'evil');
    assert.deepEqual(rs[1]!.header.mtime, { sec: 3, nsec: 0 });
    assert.equal(rs[1]!.header.pax.size, 0);
    assert.equal(rs[1]!.data.toString(), 'x');
  });

  it('applies PAX path, linkpath, uid, gid, uname, gname, size, mtime and atime, with binary values kept as bytes', async () => {
    const rawName = Buffer.from([0x64, 0x2f, 0xff, 0xfe, 0x80]);
    const cap = Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const rs = await readAll(
      pax([
        ['path', rawName],
        ['uid', '3000000'],
        ['gid', '3000001'],
        ['uname', 'jürgen'],
        ['gname', 'staff'],
        ['mtime', '-1.5'],
        ['atime', '4102444800.1234567891234'],
        ['SCHILY.xattr.security.capability', cap],
        ['SCHILY.xattr.user.empty', ''],
        // libarchive writes base64 without padding.
        ['LIBARCHIVE.xattr.user.with%20space', Buffer.from('bGliYXJjaGl2ZQ')],
        ['size', '3'],
      ]),
      entry({ name: 'short', size: 3 }, 'abc'),
      pax([['linkpath', 'a/very/long/target']]),
      entry({ name: 'l', typeflag: '2', linkname: 'short' }),
      END,
    );
    const h = rs[0]!.header;
    assert.deepEqual(h.name, rawName);
    assert.equal(h.uid, 3000000);
    assert.equal(h.gid, 3000001);
    assert.equal(h.uname, 'jürgen');
    assert.equal(h.gname, 'staff');
    assert.deepEqual(h.mtime, { sec: -2, nsec: 500_000_000 });
    assert.deepEqual(h.atime, { sec: 4102444800, nsec: 123_456_789 });
    assert.deepEqual(h.xattrs.get('security.capability'), cap);
    assert.deepEqual(h.xattrs.get('user.empty'), Buffer.alloc(0));
    assert.equal(h.xattrs.get('user.with space')?.toString(), 'libarchive');
    assert.equal(rs[0]!.data.toString(), 'abc');
    assert.equal(rs[1]!.header.linkname.toString(), 'a/very/long/target');
    assert.equal(rs[1]!.header.type, 'symlink');
  });

  it('gives Go the last word on PAX times: -0.5 is before the epoch, 9 digits kept, none rounded', async () => {
    const rs = await readAll(
      pax([['mtime', '-0.5']]),
      entry({ name: 'a' }),
      pax([['mtime', '1.9999999999']]),
      entry({ name: 'b' }),
      pax([['mtime', '12']]),
      entry({ name: 'c' }),
      END,
    );
    assert.deepEqual(
      rs.map((r) => r.header.mtime),
      [
        { sec: -1, nsec: 500_000_000 },
        { sec: 1, nsec: 999_999_999 },
        { sec: 12, nsec: 0 },
      ],
    );
  });

  it('refuses a malformed PAX mtime and a malformed PAX uid, naming the entry', async () => {
    await refused([pax([['mtime', '1.5e3']]), entry({ name: 'when' }), END], "'when'", /PAX mtime/);
    await refused([pax([['uid', '12x']]), entry({ name: 'who' }), END], "'who'", /PAX uid/);
  });

  it('refuses a PAX record whose length is wrong', async () => {
    const bad = Buffer.from('30 path=abc\n');
    await refused([entry({ name: 'PaxHeaders/bad', typeflag: 'x' }, bad), entry({ name: 'a' }), END], "'PaxHeaders/bad'", /malformed PAX header/);
    const short = Buffer.from('5 path=abc\n');
    await refused([entry({ name: 'PaxHeaders/short', typeflag: 'x' }, short), entry({ name: 'a' }), END], "'PaxHeaders/short'", /malformed PAX header/);
  });

  it('takes GNU long names and link targets as raw bytes, cut at the NUL', async () => {
    const long = Buffer.concat([Buffer.from('dir/'.repeat(40)), Buffer.from([0xff, 0x66])]);
    const target = Buffer.from('t'.repeat(300));
    const rs = await readAll(
      entry({ name: '././@LongLink', typeflag: 'L', magic: 'gnu' }, Buffer.concat([long, Buffer.from([0])])),
      entry({ name: '././@LongLink', typeflag: 'K', magic: 'gnu' }, Buffer.concat([target, Buffer.from([0])])),
      entry({ name: 'short', typeflag: '2', linkname: 'x', magic: 'gnu' }),
      END,
    );
    assert.equal(rs.length, 1);
    assert.deepEqual(rs[0]!.header.name, long);
    assert.deepEqual(rs[0]!.header.linkname, target);
  });

  it("reads the old directory convention ('\\0' with a trailing slash), type '7' as a file, and unknown types with their data", async () => {
    const rs = await readAll(
      entry({ name: 'olddir/', typeflag: '\0', magic: 'v7' }),
      entry({ name: 'oldfile', typeflag: '\0', magic: 'v7' }, 'v7'),
      entry({ name: 'contiguous', typeflag: '7' }, 'c'),
      entry({ name: 'volume', typeflag: 'V' }, 'label'),
      entry({ name: 'slash/', typeflag: '0' }),
      END,
    );
    assert.deepEqual(
      rs.map((r) => [r.header.type, r.header.typeflag, r.data.toString()]),
      [
        ['directory', '\0', ''],
        ['file', '\0', 'v7'],
        ['file', '7', 'c'],
        [undefined, 'V', 'label'],
        // Go changes only type '\0' by the slash.
        ['file', '0', ''],
      ],
    );
  });

  it('reads no data for header-only types whatever their size field says', async () => {
    const dirWithSize = headerBlock({ name: 'd/', typeflag: '5', size: 1000 });
    const rs = await readAll(dirWithSize, entry({ name: 'next' }, 'n'), END);
    assert.deepEqual(names(rs), ['d/', 'next']);
    assert.equal(rs[1]!.data.toString(), 'n');
  });

  it("reads no data for an old-style directory ('\\0' with a trailing slash) whatever its size field says, as Go, which makes it a directory first", async () => {
    const oldDirWithSize = headerBlock({ name: 'olddir/', typeflag: '\0', magic: 'v7', size: 512 });
    const rs = await readAll(oldDirWithSize, entry({ name: 'next' }, 'n'), END);
    assert.deepEqual(names(rs), ['olddir/', 'next']);
    assert.equal(rs[1]!.data.toString(), 'n');
  });

  it('takes a checksum summed over signed bytes, as some old writers made it', async () => {
    const block = headerBlock({ name: Buffer.from([0x6e, 0xe9, 0xff]) });
    block.fill(0x20, 148, 156);
    let signed = 0;
    for (const c of block) signed += c < 0x80 ? c : c - 0x100;
    Buffer.from(signed.toString(8).padStart(6, '0') + '\0 ').copy(block, 148);
    const [r] = await readAll(block, END);
    assert.deepEqual(r!.header.name, Buffer.from([0x6e, 0xe9, 0xff]));
  });

  it('refuses a bad checksum, naming where it is', async () => {
    await refused([entry({ name: 'a' }, 'x'), headerBlock({ name: 'b', badChecksum: true }), END], "after 'a'", /checksum/);
    await refused([Buffer.alloc(1024, 'z')], 'the first entry', /checksum/);
  });

  it('refuses data cut short, in an entry and in its padding', async () => {
    const whole = entry({ name: 'cut' }, Buffer.alloc(1000, 1));
    await refused([whole.subarray(0, 700)], "'cut'", /cut short/);
    await refused([whole.subarray(0, 1100)], "'cut'", /cut short/);
    // Unread data is skipped when the next entry is asked for: cut short there too.
    await assert.rejects(async () => {
      for await (const _ of readTar(Readable.from([whole.subarray(0, 700)])));
    }, /cut short/);
  });

  it('ends at one zero block followed by the end of the input, and ignores what follows two', async () => {
    assert.deepEqual(names(await readAll(entry({ name: 'a' }), Buffer.alloc(512))), ['a']);
    assert.deepEqual(names(await readAll(entry({ name: 'a' }))), ['a']);
    assert.deepEqual(names(await readAll(entry({ name: 'a' }), END, Buffer.from('trailing garbage'))), ['a']);
  });

  it('refuses a zero block followed by a header', async () => {
    await refused([entry({ name: 'a' }), Buffer.alloc(512), entry({ name: 'b' }), END], "after 'a'", /zero block/);
  });

  describe('sparse maps', () => {
    const sparse01 = (map: string, numblocks: number, size: number, stored: number) => [
      pax([
        ['GNU.sparse.major', '0'],
        ['GNU.sparse.minor', '1'],
        ['GNU.sparse.name', 'real'],
        ['GNU.sparse.size', String(size)],
        ['GNU.sparse.numblocks', String(numblocks)],
        ['GNU.sparse.map', map],
      ]),
      entry({ name: 'GNUSparseFile.1/real' }, Buffer.alloc(stored, 9)),
      END,
    ];

    it('reads a good 0.1 map', async () => {
      const [r] = await readAll(...sparse01('0,10,50,10,100,0', 3, 100, 20));
      assert.equal(r!.header.name.toString(), 'real');
      assert.equal(r!.header.size, 100);
      assert.deepEqual(r!.header.sparse, [
        { offset: 0, length: 10 },
        { offset: 50, length: 10 },
      ]);
      assert.equal(r!.data.length, 20);
    });

    it('refuses runs that overlap, run past the real size, or hold other than the stored bytes', async () => {
      await refused(sparse01('0,10,5,10', 2, 100, 20), "'real'", /overlap/);
      await refused(sparse01('0,10,95,10', 2, 100, 20), "'real'", /ends past its size/);
      await refused(sparse01('0,10,50,10', 2, 100, 30), "'real'", /stores 30 bytes of data but its sparse map holds 20/);
      await refused(sparse01('0,10,50', 2, 100, 20), "'real'", /malformed GNU sparse map/);
    });

    it('reads 0.0 offset and numbytes pairs, and refuses them out of order', async () => {
      const records = (pairs: [string, string][]) =>
        pax([['GNU.sparse.size', '64'], ['GNU.sparse.numblocks', String(pairs.length / 2)], ...pairs]);
      const [r] = await readAll(
        records([
          ['GNU.sparse.offset', '8'],
          ['GNU.sparse.numbytes', '4'],
          ['GNU.sparse.offset', '32'],
          ['GNU.sparse.numbytes', '4'],
        ]),
        entry({ name: 'zero' }, Buffer.alloc(8, 1)),
        END,
      );
      assert.deepEqual(r!.header.sparse, [
        { offset: 8, length: 4 },
        { offset: 32, length: 4 },
      ]);
      await refused(
        [records([['GNU.sparse.numbytes', '4'], ['GNU.sparse.offset', '8']]), entry({ name: 'zero' }, Buffer.alloc(4)), END],
        "'PaxHeaders/x'",
        /out of order/,
      );
    });

    it('reads a 1.0 map from the data and refuses one cut short', async () => {
      const map = Buffer.alloc(512);
      map.write('2\n0\n3\n10\n2\n');
      const records = pax([
        ['GNU.sparse.major', '1'],
        ['GNU.sparse.minor', '0'],
        ['GNU.sparse.name', 'one'],
        ['GNU.sparse.realsize', '12'],
      ]);
      const [r] = await readAll(records, entry({ name: 'GNUSparseFile.0/one' }, Buffer.concat([map, Buffer.from('abcde')])), END);
      assert.equal(r!.header.name.toString(), 'one');
      assert.equal(r!.header.size, 12);
      assert.deepEqual(r!.header.sparse, [
        { offset: 0, length: 3 },
        { offset: 10, length: 2 },
      ]);
      assert.equal(r!.data.toString(), 'abcde');
      const unfinished = Buffer.alloc(512);
      unfinished.write('2\n0\n3\n');
      await refused([records, entry({ name: 'GNUSparseFile.0/one' }, unfinished), END], "'one'", /ends inside its sparse map/);
    });

    it('refuses a sparse map on a directory', async () => {
      await refused(
        [pax([['GNU.sparse.map', '0,0'], ['GNU.sparse.numblocks', '1']]), entry({ name: 'dir/', typeflag: '5' }), END],
        "'dir/'",
        /not a file/,
      );
    });
  });

  it("refuses an old GNU sparse ('S') map of more runs than the reader holds (extension blocks are cheap to repeat: a gzip bomb)", async () => {
    const run = (at: number, b: Buffer) => {
      b.write('00000000000\0', at, 'latin1');
      b.write('00000000001\0', at + 12, 'latin1');
    };
    // Offsets 345..499 of the header: four runs at 386, "extended" at 482, the real size at 483.
    const tail = Buffer.alloc(155);
    for (let i = 0; i < 4; i++) run(386 - 345 + i * 24, tail);
    tail[482 - 345] = 1;
    tail.write('00000000100\0', 483 - 345, 'latin1');
    const extension = Buffer.alloc(512);
    for (let i = 0; i < 21; i++) run(i * 24, extension);
    extension[504] = 1;
    const blocks = Math.ceil(MAX_SPARSE_RUNS / 21) + 1;
    const header = headerBlock({ name: 'bomb', typeflag: 'S', magic: 'gnu', size: 0, at345: tail });
    await refused([header, Buffer.concat(Array.from({ length: blocks }, () => extension)), END], "'bomb'", /more than \d+ runs in its sparse map/);
  });
});

/**
 * layers/tar/writer: headers read back exactly by ctrimg's Go-compatible reader and by GNU tar,
 * PAX records where ustar cannot hold a field (long names and link targets, nanoseconds, times
 * before 1970, large owners, extended attributes), plain ustar otherwise.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { readTar } from '../../../../src/layers/tar/reader.js';
import { encodeHeader, END_OF_ARCHIVE, padding, paxTime, type WriteHeader } from '../../../../src/layers/tar/writer.js';

const LONG = `${'d'.repeat(60)}/${'e'.repeat(60)}/f\xe9\xff`;

function archive(entries: Array<[WriteHeader, Buffer?]>): Buffer {
  return Buffer.concat([...entries.flatMap(([h, data]) => [encodeHeader(h), ...(data ? [data, padding(data.length)] : [])]), END_OF_ARCHIVE]);
}

describe('layers/tar/writer', () => {
  const entries: Array<[WriteHeader, Buffer?]> = [
    [{ name: 'plain', type: 'file', mode: 0o4755, uid: 0, gid: 0, size: 3, mtime: { sec: 1_600_000_000, nsec: 0 } }, Buffer.from('abc')],
    [{ name: 'dir', type: 'directory', mode: 0o755, uid: 1, gid: 2, size: 0, mtime: { sec: 1_600_000_000, nsec: 120_000_000 } }],
    [{ name: LONG, type: 'file', mode: 0o644, uid: 3_000_000, gid: 4_000_000, size: 0, mtime: { sec: -2, nsec: 250_000_000 }, xattrs: new Map([['user.b\xff', Buffer.from([0, 10, 0xff])]]) }],
    [{ name: 'sym', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, mtime: { sec: 5, nsec: 1 }, linkname: LONG }],
    [{ name: 'null', type: 'character-device', mode: 0o666, uid: 0, gid: 0, size: 0, mtime: { sec: 5, nsec: 0 }, devmajor: 1, devminor: 3 }],
  ];

  it('writes what the reader reads back: names as bytes, owners, modes, times to the nanosecond, links, devices, xattrs', async () => {
    const got = [];
    for await (const e of readTar(Readable.from([archive(entries)]))) {
      const data: Buffer[] = [];
      for await (const chunk of e) data.push(chunk);
      got.push({ h: e.header, data: Buffer.concat(data) });
    }
    assert.deepEqual(got.map(({ h }) => h.name.toString('latin1')), ['plain', 'dir/', LONG, 'sym', 'null']);
    assert.equal(got[0]!.h.mode, 0o4755);
    assert.equal(got[0]!.data.toString(), 'abc');
    assert.deepEqual(got[1]!.h.mtime, { sec: 1_600_000_000, nsec: 120_000_000 });
    assert.deepEqual([got[2]!.h.uid, got[2]!.h.gid], [3_000_000, 4_000_000]);
    assert.deepEqual(got[2]!.h.mtime, { sec: -2, nsec: 250_000_000 });
    assert.deepEqual(got[2]!.h.xattrs.get('user.b\xff'), Buffer.from([0, 10, 0xff]));
    assert.equal(got[3]!.h.linkname.toString('latin1'), LONG);
    assert.deepEqual(got[3]!.h.mtime, { sec: 5, nsec: 1 });
    assert.deepEqual([got[4]!.h.type, got[4]!.h.devmajor, got[4]!.h.devminor], ['character-device', 1, 3]);
  });

  it('is read by GNU tar, long names and all', () => {
    const listed = execFileSync('tar', ['--quoting-style=literal', '-tf', '-'], { input: archive(entries), encoding: 'latin1', env: { ...process.env, LC_ALL: 'C' } }).trim().split('\n');
    assert.deepEqual(listed, ['plain', 'dir/', LONG, 'sym', 'null']);
  });

  it('writes a plain ustar header, no PAX, when every field fits', () => {
    assert.equal(encodeHeader(entries[0]![0]).length, 512);
    assert.ok(encodeHeader(entries[1]![0]).length > 512, 'nanoseconds need a PAX mtime');
  });

  it('writes PAX times as Go does, the fraction counting away from zero before 1970', () => {
    assert.equal(paxTime({ sec: 1, nsec: 500_000_000 }), '1.5');
    assert.equal(paxTime({ sec: -2, nsec: 250_000_000 }), '-1.75');
    assert.equal(paxTime({ sec: -3, nsec: 0 }), '-3');
  });
});

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { CtrimgError } from '../../../src/errors.js';
import { validateWindowsLayer } from '../../../src/layers/windows.js';
import { tarFromEntries, type TarEntry } from '../../support/oci-layout.js';
import { END, entry, paxData } from '../../support/tar-blocks.js';

const d = (name: string): TarEntry => ({ name, type: 'directory' });
const f = (name: string, content = 'x'): TarEntry => ({ name, content });
const link = (name: string, linkname: string): TarEntry => ({ name, type: 'link', linkname });

const WINDOWS_BASE = [d('Files/'), d('Files/Windows/'), f('Files/Windows/win.ini'), d('Hives/'), f('Hives/DefaultUser_Delta')];

interface Case {
  what: string;
  entries: TarEntry[];
  base?: boolean;
  /** Expected error code and the entry name the message must quote; absent for a valid tar. */
  rejects?: { code: string; entry: string };
}

const cases: Case[] = [
  { what: 'a base layer of Files/ and Hives/', entries: WINDOWS_BASE, base: true },
  { what: 'an empty tar', entries: [], base: true },
  {
    what: 'a base layer with a utility VM whose directory comes first',
    entries: [...WINDOWS_BASE, d('UtilityVM/'), d('UtilityVM/Files/'), f('UtilityVM/Files/boot.wim')],
    base: true,
  },
  { what: 'whiteouts under Files/ and UtilityVM/Files/ in a child layer', entries: [d('Files/'), f('Files/a/.wh.gone', ''), d('UtilityVM/'), f('UtilityVM/Files/.wh.old', '')] },
  { what: 'an opaque whiteout under Files/ in a child layer', entries: [d('Files/'), f('Files/dir/.wh..wh..opq', '')] },
  { what: 'hard links within Files/ and within UtilityVM/Files/', entries: [...WINDOWS_BASE, link('Files/Windows/copy.ini', 'Files/Windows/win.ini'), d('UtilityVM/'), f('UtilityVM/Files/a'), link('UtilityVM/Files/b', 'UtilityVM/Files/a')], base: true },
  { what: 'a Linux layer', entries: [d('etc/'), f('etc/os-release')], base: true, rejects: { code: 'INVALID_WINDOWS_LAYER', entry: 'etc/' } },
  { what: 'an unknown top-level directory after good ones', entries: [...WINDOWS_BASE, f('Program Files/x')], base: true, rejects: { code: 'INVALID_WINDOWS_LAYER', entry: 'Program Files/x' } },
  { what: 'a lower-case files/ directory', entries: [d('files/')], base: true, rejects: { code: 'INVALID_WINDOWS_LAYER', entry: 'files/' } },
  { what: 'a file named Files at the top', entries: [f('Files')], base: true, rejects: { code: 'INVALID_WINDOWS_LAYER', entry: 'Files' } },
  { what: 'a whiteout in a base layer', entries: [d('Files/'), f('Files/.wh.a', '')], base: true, rejects: { code: 'INVALID_WINDOWS_LAYER', entry: 'Files/.wh.a' } },
  { what: 'a whiteout under Hives/', entries: [d('Hives/'), f('Hives/.wh.Sam', '')], rejects: { code: 'INVALID_WINDOWS_LAYER', entry: 'Hives/.wh.Sam' } },
  { what: 'a whiteout at the top', entries: [f('.wh.Files', '')], rejects: { code: 'INVALID_WINDOWS_LAYER', entry: '.wh.Files' } },
  { what: 'a whiteout directly under UtilityVM/', entries: [d('UtilityVM/'), f('UtilityVM/.wh.Files', '')], rejects: { code: 'INVALID_WINDOWS_LAYER', entry: 'UtilityVM/.wh.Files' } },
  { what: 'a hard link under Hives/', entries: [d('Hives/'), f('Hives/a'), link('Hives/b', 'Hives/a')], base: true, rejects: { code: 'INVALID_WINDOWS_LAYER', entry: 'Hives/b' } },
  { what: 'a hard link from Files/ to Hives/', entries: [...WINDOWS_BASE, link('Files/h', 'Hives/DefaultUser_Delta')], base: true, rejects: { code: 'INVALID_WINDOWS_LAYER', entry: 'Files/h' } },
  { what: 'a hard link whose target leaves the layer', entries: [d('Files/'), link('Files/h', '../../etc/passwd')], base: true, rejects: { code: 'UNSAFE_TAR', entry: 'Files/h' } },
  { what: 'an entry with a .. component', entries: [d('Files/'), f('Files/../../evil')], base: true, rejects: { code: 'UNSAFE_TAR', entry: 'Files/../../evil' } },
  { what: 'UtilityVM content before the UtilityVM entry', entries: [...WINDOWS_BASE, f('UtilityVM/Files/boot.wim'), d('UtilityVM/')], base: true, rejects: { code: 'INVALID_WINDOWS_LAYER', entry: 'UtilityVM/Files/boot.wim' } },
];

describe('layers/windows: the Windows layer tar rules', () => {
  for (const c of cases) {
    it(`${c.rejects ? 'refuses' : 'accepts'} ${c.what}${c.base ? ' (base)' : ''}`, async () => {
      const tar = Readable.from([await tarFromEntries(c.entries)]);
      const done = validateWindowsLayer(tar, { base: c.base ?? false });
      if (!c.rejects) return done;
      await assert.rejects(done, (err: unknown) => {
        assert.ok(err instanceof CtrimgError, String(err));
        assert.equal(err.code, c.rejects!.code);
        assert.ok(err.message.includes(`'${c.rejects!.entry}'`), err.message);
        return true;
      });
    });
  }

  it('reads a large layer to the end with flat memory, and stops at the first bad entry of one', async function () {
    this.timeout(60_000);
    const chunk = Buffer.alloc(1 << 20, 7);
    // 256 MiB of file data, produced as it is read.
    async function* big(bad: boolean) {
      yield await tarFromEntries([d('Files/')]).then((b) => b.subarray(0, 512));
      for (let i = 0; i < 256; i++) {
        const header = (await tarFromEntries([{ name: `Files/f${i}`, content: chunk }])).subarray(0, 512 + chunk.length);
        yield header;
      }
      if (bad) yield (await tarFromEntries([f('etc/passwd')])).subarray(0, 1024);
      yield Buffer.alloc(1024);
    }
    const before = process.memoryUsage().rss;
    let read = 0;
    const counted = Readable.from(big(false)).on('data', (b: Buffer) => (read += b.length));
    await validateWindowsLayer(counted, { base: true });
    assert.equal(read, 512 + 256 * (512 + chunk.length) + 1024);
    assert.ok(process.memoryUsage().rss - before < 150 << 20, 'memory grew by more than 150 MiB');
    await assert.rejects(validateWindowsLayer(Readable.from(big(true)), { base: true }), /'etc\/passwd'/);
  });

  it('refuses bytes that are not a tar archive with INVALID_TAR', async () => {
    await assert.rejects(validateWindowsLayer(Readable.from([Buffer.alloc(1024, 'z')]), { base: true }), (err: unknown) => err instanceof CtrimgError && err.code === 'INVALID_TAR');
  });
});

describe('layers/windows: the PAX records hcsshim reads', () => {
  /** A base layer whose file Files/f carries `records`, written with the tiny block writer. */
  const layer = (records: [string, string][], file = 'Files/f') =>
    Readable.from([
      Buffer.concat([
        entry({ name: 'Files/', typeflag: '5' }),
        entry({ name: 'PaxHeaders/f', typeflag: 'x' }, paxData(records)),
        entry({ name: file }, 'x'),
        END,
      ]),
    ]);

  it('accepts well-formed MSWINDOWS.fileattr, MSWINDOWS.rawsd, MSWINDOWS.xattr.* and LIBARCHIVE.creationtime', async () => {
    await validateWindowsLayer(
      layer([
        ['MSWINDOWS.fileattr', '4294967295'],
        ['MSWINDOWS.rawsd', Buffer.from([1, 0, 4, 0x80, 0x14]).toString('base64')],
        ['MSWINDOWS.xattr.$KERNEL.PURGE.ESBCACHE', Buffer.from('ea').toString('base64')],
        ['LIBARCHIVE.creationtime', '1609459200.123456789'],
      ]),
      { base: true },
    );
  });

  const bad: [string, string][] = [
    ['MSWINDOWS.fileattr', '32a'],
    ['MSWINDOWS.fileattr', '-1'],
    ['MSWINDOWS.fileattr', '4294967296'],
    ['MSWINDOWS.fileattr', ''],
    ['MSWINDOWS.rawsd', 'not base64!'],
    ['MSWINDOWS.rawsd', 'AQAEgA'],
    ['MSWINDOWS.xattr.ea', 'A==='],
    ['LIBARCHIVE.creationtime', '1.2.3'],
    ['LIBARCHIVE.creationtime', 'yesterday'],
  ];
  for (const [key, value] of bad) {
    it(`refuses ${key}=${JSON.stringify(value)}, naming the entry`, async () => {
      await assert.rejects(validateWindowsLayer(layer([[key, value]]), { base: true }), (err: unknown) => {
        assert.ok(err instanceof CtrimgError, String(err));
        assert.equal(err.code, 'INVALID_WINDOWS_LAYER');
        assert.ok(err.message.includes("'Files/f'") && err.message.includes(key), err.message);
        return true;
      });
    });
  }

  it('skips a PAX global header, and shows a name that is not UTF-8 escaped', async () => {
    const global = entry({ name: 'pax_global_header', typeflag: 'g' }, paxData([['comment', 'git archive']]));
    await validateWindowsLayer(Readable.from([Buffer.concat([global, entry({ name: 'Files/', typeflag: '5' }), END])]), { base: true });
    const odd = Buffer.from([0x4e, 0xff, 0x2f, 0x66]);
    await assert.rejects(
      validateWindowsLayer(Readable.from([Buffer.concat([entry({ name: odd }, 'x'), END])]), { base: true }),
      (err: unknown) => err instanceof CtrimgError && err.message.includes("'N\\xff/f'"),
    );
  });
});

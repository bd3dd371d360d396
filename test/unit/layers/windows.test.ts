import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { CtrimgError } from '../../../src/errors.js';
import { validateWindowsLayer } from '../../../src/layers/windows.js';
import { END, entry, paxData } from '../../support/tar-blocks.js';

type Records = [string, string][];
/** Entries as hcsshim's export writes them (directory names without a trailing slash), optionally with PAX records. */
const withRecords = (records: Records | undefined, header: Buffer) =>
  records ? Buffer.concat([entry({ name: 'PaxHeaders/e', typeflag: 'x' }, paxData(records)), header]) : header;
const d = (name: string, records?: Records) => withRecords(records, entry({ name, typeflag: '5' }));
const f = (name: string, records?: Records, content = 'x') => withRecords(records, entry({ name, typeflag: '0' }, content));
const wh = (name: string) => entry({ name, typeflag: '0' });
const link = (name: string, linkname: string) => entry({ name, typeflag: '1', linkname });
const symlink = (name: string, linkname: string) => entry({ name, typeflag: '2', linkname });

const BASE = [d('Files'), d('Files/Windows'), f('Files/Windows/win.ini'), d('Hives'), f('Hives/DefaultUser_Delta')];
const UVM = [d('UtilityVM'), d('UtilityVM/Files')];
const RAWSD: Records = [['MSWINDOWS.rawsd', Buffer.from([1, 0, 4, 0x80]).toString('base64')]];

interface Case {
  what: string;
  entries: Buffer[];
  /** The layer has no parents (hcsshim: baseLayerWriter), else legacyLayerWriter. */
  base?: boolean;
  /** Expected error code, the entry name the message must quote and why; absent for a valid tar. */
  rejects?: { code: string; entry: string; why: string };
}

const invalidAt = (name: string, why: string) => ({ code: 'INVALID_WINDOWS_LAYER', entry: name, why });
const unsafeAt = (name: string, why: string) => ({ code: 'UNSAFE_TAR', entry: name, why });

// Each case cites the hcsshim code that decides it; files are under /work/.mirror/microsoft+hcsshim.
const cases: Case[] = [
  // Well-formed layers.
  { what: 'a base layer of Files and Hives', entries: BASE, base: true },
  { what: 'an empty tar', entries: [], base: true },
  { what: 'a base layer with a utility VM whose directory comes first', entries: [...BASE, ...UVM, f('UtilityVM/Files/boot.wim')], base: true },
  { what: 'directory names with a trailing slash', entries: [d('Files/'), d('Files/a/'), f('Files/a/b'), d('Hives/')], base: true },

  // Whiteouts: writeLayerFromTar (pkg/ociwclayer/import.go) calls Remove for any `.wh.` base name.
  // baseLayerWriter.Remove (internal/wclayer/baselayerwriter.go): "base layer cannot have tombstones".
  { what: 'a whiteout in a base layer', entries: [d('Files'), wh('Files/.wh.a')], base: true, rejects: invalidAt('Files/.wh.a', "whiteout in a base layer") },
  { what: 'an opaque whiteout in a base layer', entries: [d('Files'), d('Files/d'), wh('Files/d/.wh..wh..opq')], base: true, rejects: invalidAt('Files/d/.wh..wh..opq', "whiteout in a base layer") },
  // legacyLayerWriter.Remove (internal/wclayer/legacy.go): a name under Files\ becomes a tombstone.
  { what: 'whiteouts under Files/', entries: [d('Files'), wh('Files/.wh.gone'), wh('Files/a/.wh.b')] },
  // ... and a tombstone that names nothing is ignored at Close (os.IsNotExist), so an opaque
  // whiteout under Files\ (its target is `.wh..opq`) deletes nothing and is accepted.
  { what: 'an opaque whiteout under Files/ (ignored)', entries: [d('Files'), d('Files/dir'), wh('Files/dir/.wh..wh..opq')] },
  // Remove under UtilityVM\Files\ clones the parent's utility VM itself (initUtilityVM): no
  // UtilityVM entry is needed first.
  { what: 'a whiteout under UtilityVM/Files/ with no UtilityVM entry', entries: [d('Files'), wh('UtilityVM/Files/.wh.old')] },
  // ... then LstatRelative requires the target to exist; no layer can hold a `.wh.` name.
  { what: 'an opaque whiteout under UtilityVM/Files/', entries: [...UVM, d('UtilityVM/Files/d'), wh('UtilityVM/Files/d/.wh..wh..opq')], rejects: invalidAt('UtilityVM/Files/d/.wh..wh..opq', "opaque whiteout under UtilityVM/Files/") },
  // legacyLayerWriter.Remove: anything else is an "invalid tombstone".
  { what: 'a whiteout under Hives/', entries: [d('Hives'), wh('Hives/.wh.Sam')], rejects: invalidAt('Hives/.wh.Sam', "whiteout outside Files/") },
  { what: 'a whiteout directly under UtilityVM/', entries: [d('UtilityVM'), wh('UtilityVM/.wh.Files')], rejects: invalidAt('UtilityVM/.wh.Files', "whiteout outside Files/") },
  { what: 'a whiteout of Files itself', entries: [d('Files'), d('Files/a'), wh('Files/a/.wh...')], rejects: invalidAt('Files/a/.wh...', "whiteout outside Files/") },
  { what: 'a whiteout at the top', entries: [wh('.wh.Files')], rejects: invalidAt('.wh.Files', "not under Files/") },
  // writeLayerFromTar tests the base name before the type: a hard link named `.wh.x` is a whiteout.
  { what: 'a hard link named as a whiteout, taken as a whiteout', entries: [d('Files'), link('Files/.wh.x', 'Hives/y')] },
  // path.Base splits on '/' only: `Files\.wh.x` is a file named `.wh.x` on Windows, not a whiteout.
  { what: 'a backslash-separated .wh. name, taken as a file', entries: [d('Files'), f('Files\\.wh.x')], base: true },

  // Hard links. baseLayerWriter.AddLink: safefile.LinkRelative at once, anywhere in the layer,
  // to a file already written.
  { what: 'hard links within Files/ and within UtilityVM/Files/', entries: [...BASE, link('Files/Windows/copy.ini', 'Files/Windows/win.ini'), ...UVM, f('UtilityVM/Files/a'), link('UtilityVM/Files/b', 'UtilityVM/Files/a')], base: true },
  { what: 'a hard link under Hives/ in a base layer', entries: [d('Hives'), f('Hives/a'), link('Hives/b', 'Hives/a')], base: true },
  { what: 'a hard link from Files/ to Hives/ in a base layer', entries: [...BASE, link('Files/h', 'Hives/DefaultUser_Delta')], base: true },
  { what: 'a hard link in a base layer to a name not yet seen', entries: [d('Files'), link('Files/h', 'Files/later'), f('Files/later')], base: true, rejects: invalidAt('Files/h', "not yet in the layer") },
  { what: 'a hard link in a base layer to a directory', entries: [d('Files'), d('Files/d'), link('Files/h', 'Files/d')], base: true, rejects: invalidAt('Files/h', "links to a directory") },
  { what: 'a hard link in a base layer over an existing name', entries: [d('Files'), f('Files/a'), f('Files/b'), link('Files/b', 'Files/a')], base: true, rejects: invalidAt('Files/b', "already in the layer") },
  // legacyLayerWriter.AddLink: name and target under Files\ or UtilityVM\Files\ ("invalid hard link in layer").
  { what: 'a hard link under Hives/ in a layer with parents', entries: [d('Hives'), f('Hives/a'), link('Hives/b', 'Hives/a')], rejects: invalidAt('Hives/b', "not within Files/ or UtilityVM/Files/") },
  { what: 'a hard link from Files/ to Hives/ in a layer with parents', entries: [...BASE, link('Files/h', 'Hives/DefaultUser_Delta')], rejects: invalidAt('Files/h', "not within Files/ or UtilityVM/Files/") },
  // ... a target not added by this layer is looked for in the parent layers, which only the host has.
  { what: 'a hard link to a file of a parent layer', entries: [d('Files'), link('Files/h', 'Files/Windows/notepad.exe')] },
  // ... a target under UtilityVM\Files\ is looked for in this layer's clone of the utility VM.
  { what: 'a hard link into UtilityVM/Files/ before the UtilityVM entry', entries: [d('Files'), link('Files/h', 'UtilityVM/Files/a')], rejects: invalidAt('Files/h', "before the 'UtilityVM' entry") },
  { what: 'a hard link into UtilityVM/Files/ after the UtilityVM entry', entries: [d('UtilityVM'), d('Files'), link('Files/h', 'UtilityVM/Files/a')] },

  // Files and directories. safefile.OpenRelative with FILE_CREATE (internal/safefile/safeopen.go):
  // the parent must be there already, as a directory, and the name must be new. In a layer with
  // parents this is the empty staging directory (legacyLayerWriter.Add, outside UtilityVM\).
  { what: "Files/x with no 'Files' entry first", entries: [f('Files/x'), d('Files')], base: true, rejects: invalidAt('Files/x', "before its parent directory 'Files'") },
  { what: "Files/x with no 'Files' entry first", entries: [d('Hives'), f('Files/x')], rejects: invalidAt('Files/x', "before its parent directory 'Files'") },
  { what: 'UtilityVM content before the UtilityVM entry', entries: [...BASE, f('UtilityVM/Files/boot.wim'), d('UtilityVM')], base: true, rejects: invalidAt('UtilityVM/Files/boot.wim', "before its parent directory 'UtilityVM/Files'") },
  { what: 'a name given twice', entries: [d('Files'), f('Files/a'), f('Files/a')], base: true, rejects: invalidAt('Files/a', "already in the layer") },
  { what: 'a name given twice in another case (NTFS ignores case)', entries: [d('Files'), f('Files/a'), d('Files/A')], rejects: invalidAt('Files/A', "already in the layer") },
  { what: 'a parent named in another case', entries: [d('Files'), d('Files/Windows'), f('Files/WINDOWS/x')], base: true },
  { what: 'an entry inside a symlink (a reparse point)', entries: [d('Files'), symlink('Files/s', 'C:\\Windows'), f('Files/s/x')], base: true, rejects: invalidAt('Files/s/x', "inside 'Files/s', a symlink") },
  // backuptar.FileInfoFromHeader: MSWINDOWS.fileattr, when present, says what is a directory.
  { what: 'a regular-file entry whose file attributes say directory, with a child', entries: [d('Files'), f('Files/d', [['MSWINDOWS.fileattr', '16']], ''), f('Files/d/x')], base: true },
  { what: 'a directory entry whose file attributes say file, with a child', entries: [d('Files'), d('Files/d', [['MSWINDOWS.fileattr', '32']]), f('Files/d/x')], base: true, rejects: invalidAt('Files/d/x', "inside 'Files/d', a file") },
  // Alternate data streams (backuptar.WriteBackupStreamFromTarFile): regular files named
  // `<file>:<stream>` right after their file; any other ':' fails safefile's cleanGoStringRelativePath.
  { what: 'alternate data streams after their file', entries: [d('Files'), f('Files/a'), f('Files/a:Zone.Identifier'), f('Files/a:two')], base: true },
  { what: "a ':' name that does not follow its file", entries: [d('Files'), f('Files/a'), f('Files/b'), f('Files/a:s')], base: true, rejects: invalidAt('Files/a:s', "not an alternate data stream") },

  // The utility VM in a layer with parents (legacyLayerWriter.Add).
  { what: 'a utility VM update after the UtilityVM entry', entries: [d('Files'), ...UVM, f('UtilityVM/Files/a'), f('UtilityVM/Files/a')] },
  { what: 'UtilityVM content before the UtilityVM entry', entries: [d('Files'), f('UtilityVM/Files/a'), d('UtilityVM')], rejects: invalidAt('UtilityVM/Files/a', "named exactly 'UtilityVM'") },
  // `name == UtilityVMPath` is tested before Clean: `UtilityVM/` is an ordinary directory.
  { what: "a 'UtilityVM/' entry (trailing slash) before UtilityVM content", entries: [d('UtilityVM/'), f('UtilityVM/Files/a')], rejects: invalidAt('UtilityVM/Files/a', "named exactly 'UtilityVM'") },
  { what: 'UtilityVM/<other> in a layer with parents', entries: [d('UtilityVM'), d('UtilityVM/Hives')], rejects: invalidAt('UtilityVM/Hives', "not in UtilityVM/Files/") },
  { what: 'UtilityVM/<other> in a base layer', entries: [d('UtilityVM'), d('UtilityVM/Hives')], base: true },
  // Add("UtilityVM") leaves no file open, so its security descriptor fails to write ("closed").
  { what: 'a UtilityVM entry with a security descriptor in a layer with parents', entries: [d('UtilityVM', RAWSD)], rejects: invalidAt('UtilityVM', "security descriptor") },
  { what: 'a UtilityVM entry with a security descriptor in a base layer', entries: [d('UtilityVM', RAWSD)], base: true },

  // Names. Go's tar reader passes `..` and absolute names (tarinsecurepath); hcsshim cleans
  // them with filepath.Clean, where '\' separates too, so `..` that stays inside is harmless.
  { what: 'a .. component that stays inside the layer', entries: [d('Files'), f('Files/a/../b'), d('Hives/../Hives')], base: true },
  // Stricter, on purpose (design rule 4): a name leaving the layer is UNSAFE_TAR. hcsshim fails
  // it too, later: safefile refuses "expected relative path", and NT takes no `..`.
  { what: 'an entry whose .. leaves the layer', entries: [d('Files'), f('Files/../../evil')], base: true, rejects: unsafeAt('Files/../../evil', "leaves the layer through '..'") },
  { what: "an entry whose backslash-separated .. leaves the layer", entries: [d('Files'), f('Files/a\\..\\..\\..\\evil')], base: true, rejects: unsafeAt('Files/a\\..\\..\\..\\evil', "leaves the layer through '..'") },
  { what: 'an absolute entry name', entries: [f('/Files/x')], base: true, rejects: unsafeAt('/Files/x', "absolute path") },
  { what: 'a hard link whose target leaves the layer', entries: [d('Files'), link('Files/h', '../../etc/passwd')], base: true, rejects: unsafeAt('Files/h', "leaves the layer through '..'") },
  // Stricter, on purpose: only Files, Hives and UtilityVM directories at the top. hcsshim's
  // writers create any name and leave it to HCS (ProcessBaseLayer, ImportLayer), unreadable here.
  { what: 'a Linux layer', entries: [d('etc/'), f('etc/os-release')], base: true, rejects: invalidAt('etc/', "not under Files/") },
  { what: 'an unknown top-level directory after good ones', entries: [...BASE, f('Program Files/x')], base: true, rejects: invalidAt('Program Files/x', "not under Files/") },
  { what: 'a lower-case files directory', entries: [d('files')], base: true, rejects: invalidAt('files', "not under Files/") },
  { what: 'a file named Files at the top', entries: [f('Files')], base: true, rejects: invalidAt('Files', "must be a directory") },
  // A PAX global header is an entry to Go's tar reader; hcsshim adds it as a file named
  // `pax_global_header` at the top, which is a stray name like any other.
  { what: 'a PAX global header', entries: [entry({ name: 'pax_global_header', typeflag: 'g' }, paxData([['comment', 'git archive']])), d('Files')], base: true, rejects: invalidAt('pax_global_header', "not under Files/") },
];

describe('layers/windows: the Windows layer tar rules (hcsshim wclayer import)', () => {
  for (const c of cases) {
    it(`${c.rejects ? 'refuses' : 'accepts'} ${c.what}${c.base ? ' (base)' : ''}`, async () => {
      const done = validateWindowsLayer(Readable.from([Buffer.concat([...c.entries, END])]), { base: c.base ?? false });
      if (!c.rejects) return done;
      await assert.rejects(done, (err: unknown) => {
        assert.ok(err instanceof CtrimgError, String(err));
        assert.equal(err.code, c.rejects!.code, err.message);
        assert.ok(err.message.includes(`'${c.rejects!.entry}'`), err.message);
        assert.ok(err.message.includes(c.rejects!.why), err.message);
        return true;
      });
    });
  }

  it('reads a large layer to the end with flat memory, and stops at the first bad entry of one', async function () {
    this.timeout(60_000);
    const chunk = Buffer.alloc(1 << 20, 7);
    // 256 MiB of file data, produced as it is read.
    async function* big(bad: boolean) {
      yield d('Files');
      for (let i = 0; i < 256; i++) yield entry({ name: `Files/f${i}`, typeflag: '0' }, chunk);
      if (bad) yield f('etc/passwd');
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

  it("resolves with the layer's content bytes: file lengths and symlink target lengths, as docker sizes a layer", async () => {
    const layer = [...BASE, f('Files/a.txt', undefined, 'x'.repeat(999)), symlink('Files/l', 'Windows/win.ini'), link('Files/h', 'Files/a.txt'), wh('Files/.wh.gone'), END];
    // BASE's two files hold one byte each.
    assert.equal(await validateWindowsLayer(Readable.from([Buffer.concat(layer)]), { base: false }), 2 + 999 + 'Windows/win.ini'.length);
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

  it('shows a name that is not UTF-8 escaped', async () => {
    const odd = Buffer.from([0x4e, 0xff, 0x2f, 0x66]);
    await assert.rejects(
      validateWindowsLayer(Readable.from([Buffer.concat([entry({ name: odd }, 'x'), END])]), { base: true }),
      (err: unknown) => err instanceof CtrimgError && err.message.includes("'N\\xff/f'"),
    );
  });
});

/**
 * The archive index on hand-built tars: entries found by cleaned name with their data's place,
 * and every archive it must refuse whole (truncated, no end, a corrupt header, escaping names,
 * names given twice, a name under a file, compressed, sparse), each with ARCHIVE_INVALID naming
 * what is wrong; symlinks followed only when asked, and only inside the archive.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { TarIndex } from '../../../src/archive/tar-index.js';
import { CtrimgError } from '../../../src/errors.js';
import { END, entry, headerBlock, paxData } from '../../support/tar-blocks.js';

const invalid = (re: RegExp) => (e: unknown) => e instanceof CtrimgError && e.code === 'ARCHIVE_INVALID' && e.exitCode === 1 && re.test(e.message) && !e.message.includes('\n');

async function readAll(s: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('archive/tar-index', () => {
  let dir: string;
  let n = 0;
  const archive = async (...parts: Buffer[]) => {
    const path = join(dir, `a${n++}.tar`);
    await writeFile(path, Buffer.concat(parts));
    return path;
  };
  const why = (e: unknown) => new Error(`refused: ${String(e)}`);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctrimg-tar-index-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("finds entries by cleaned name, with their data's place in the file, through PAX and GNU long names", async () => {
    const long = `${'d'.repeat(120)}/layer.tar`;
    const path = await archive(
      entry({ name: './dir/', typeflag: '5' }),
      entry({ name: './dir/a.json' }, '{"a":1}'),
      entry({ name: 'PaxHeaders/x', typeflag: 'x' }, paxData([['path', long]])),
      entry({ name: 'cut' }, 'x'.repeat(700)),
      entry({ name: '././@LongLink', typeflag: 'L' }, 'gnu/' + 'g'.repeat(150) + '\0'),
      entry({ name: 'short' }, 'gnu data'),
      entry({ name: 'link', typeflag: '2', linkname: 'dir/a.json' }),
      END,
    );
    const index = await TarIndex.open(path);
    const a = index.file('dir//a.json', why)!;
    assert.equal(a.name, 'dir/a.json');
    assert.equal((await index.read(a, 100, 'a')).toString(), '{"a":1}');
    assert.equal((await readAll(await index.stream(a, 2))).toString(), 'a":1}');
    assert.equal((await readAll(await index.stream(index.file(long, why)!))).toString(), 'x'.repeat(700));
    assert.equal((await index.read(index.file(`gnu/${'g'.repeat(150)}`, why)!, 100, 'g')).toString(), 'gnu data');
    assert.equal(index.get('cut'), undefined, 'the PAX path replaces the header name');
    assert.ok(index.hasDirectory('dir') && !index.hasDirectory('link') && !index.hasDirectory('nowhere'));
    assert.equal(index.file('missing', why), undefined);
    await assert.rejects(index.read(a, 3, 'a'), (e: unknown) => e instanceof CtrimgError && e.code === 'BLOB_TOO_LARGE');
  });

  it('follows a symlink only when asked, within the archive, to a regular file', async () => {
    const path = await archive(
      entry({ name: 'one/layer.tar' }, 'layer bytes'),
      entry({ name: 'two/layer.tar', typeflag: '2', linkname: '../one/./layer.tar' }),
      entry({ name: 'out/layer.tar', typeflag: '2', linkname: '../../etc/passwd' }),
      entry({ name: 'abs/layer.tar', typeflag: '2', linkname: '/etc/passwd' }),
      entry({ name: 'loop', typeflag: '2', linkname: 'loop' }),
      entry({ name: 'hard', typeflag: '1', linkname: 'one/layer.tar' }),
      END,
    );
    const index = await TarIndex.open(path);
    const refused = (re: RegExp) => (e: unknown) => e instanceof Error && re.test(e.message);
    assert.throws(() => index.file('two/layer.tar', (w) => new Error(w)), refused(/is a link/));
    assert.equal((await index.read(index.file('two/layer.tar', (w) => new Error(w), { followLinks: true })!, 100, 'l')).toString(), 'layer bytes');
    assert.throws(() => index.file('out/layer.tar', (w) => new Error(w), { followLinks: true }), refused(/outside the archive/));
    assert.throws(() => index.file('abs/layer.tar', (w) => new Error(w), { followLinks: true }), refused(/outside the archive/));
    assert.throws(() => index.file('loop', (w) => new Error(w), { followLinks: true }), refused(/chain of more than/));
    assert.throws(() => index.file('hard', (w) => new Error(w), { followLinks: true }), refused(/is a link/));
  });

  it('refuses a truncated archive: data past the end of the file, or no end blocks', async () => {
    const whole = Buffer.concat([entry({ name: 'a' }, 'a'.repeat(1000)), END]);
    await assert.rejects(TarIndex.open(await archive(whole.subarray(0, 700))), invalid(/entry 'a' runs past the end of the file: the archive is truncated/));
    await assert.rejects(TarIndex.open(await archive(whole.subarray(0, 1024 + 512))), invalid(/has no end .*truncated/));
    await assert.rejects(TarIndex.open(await archive(whole.subarray(0, 300))), invalid(/runs past the end of the file/));
    // One zero block and then the end is an end, as the layer reader takes it.
    assert.ok((await TarIndex.open(await archive(whole.subarray(0, 1024 + 1024 + 512)))).get('a'));
  });

  it('refuses a corrupt header checksum, and a file that is not a tar at all', async () => {
    await assert.rejects(
      TarIndex.open(await archive(entry({ name: 'a' }, 'x'), headerBlock({ name: 'b', badChecksum: true }), END)),
      invalid(/the entry after 'a' has a header whose checksum is wrong: the archive is corrupt/),
    );
    await assert.rejects(TarIndex.open(await archive(Buffer.alloc(2048, 'not a tar'))), invalid(/not a tar archive/));
  });

  it("refuses names that are absolute or climb out with '..', wherever they are", async () => {
    for (const name of ['../evil', '/etc/passwd', 'a/../../evil', 'blobs/sha256/../../../x']) {
      await assert.rejects(TarIndex.open(await archive(entry({ name: 'ok' }, 'x'), entry({ name }, 'x'), END)), invalid(/absolute or climbs out/), name);
    }
    const viaPax = entry({ name: 'PaxHeaders/x', typeflag: 'x' }, paxData([['path', '../../pax-evil']]));
    await assert.rejects(TarIndex.open(await archive(viaPax, entry({ name: 'innocent' }, 'x'), END)), invalid(/'..\/..\/pax-evil'.*climbs out/));
  });

  it("reads an archive made with 'tar -C dir .', whose first entry is the root './', and refuses a root that is not a directory", async () => {
    const index = await TarIndex.open(await archive(entry({ name: './', typeflag: '5' }), entry({ name: './manifest.json' }, '[]'), END));
    assert.equal(index.get('manifest.json')?.size, 2);
    await assert.rejects(TarIndex.open(await archive(entry({ name: '.' }, 'x'), END)), invalid(/names the archive's root but is not a directory/));
  });

  it('refuses a name given twice (the lookup would be ambiguous), but not a directory given twice', async () => {
    await assert.rejects(TarIndex.open(await archive(entry({ name: 'manifest.json' }, '[]'), entry({ name: './manifest.json' }, '[{}]'), END)), invalid(/holds 'manifest.json' twice/));
    await assert.rejects(TarIndex.open(await archive(entry({ name: 'x', typeflag: '5' }), entry({ name: 'x' }, 'f'), END)), invalid(/twice/));
    assert.ok((await TarIndex.open(await archive(entry({ name: 'd/', typeflag: '5' }), entry({ name: 'd', typeflag: '5' }), END))).hasDirectory('d'));
  });

  it('refuses a name that runs through a file or a link', async () => {
    await assert.rejects(
      TarIndex.open(await archive(entry({ name: 'blobs', typeflag: '2', linkname: '/tmp' }), entry({ name: 'blobs/sha256/x' }, 'x'), END)),
      invalid(/'blobs\/sha256\/x' lies under 'blobs', which is not a directory/),
    );
  });

  it('refuses a compressed archive with what to do about it, and a sparse file', async () => {
    const tar = Buffer.concat([entry({ name: 'a' }, 'x'), END]);
    await assert.rejects(TarIndex.open(await archive(gzipSync(tar))), invalid(/gzip-compressed.*decompress it first \(gunzip\)/));
    const sparse = entry({ name: 'PaxHeaders/s', typeflag: 'x' }, paxData([['GNU.sparse.major', '1'], ['GNU.sparse.minor', '0'], ['GNU.sparse.name', 's']]));
    await assert.rejects(TarIndex.open(await archive(sparse, entry({ name: 'GNUSparseFile.0/s' }, '0\n'.padEnd(512, '\0')), END)), invalid(/sparse file/));
  });

  it('answers not found for a missing file, refuses a directory, and a file changed since it was indexed', async () => {
    await assert.rejects(TarIndex.open(join(dir, 'none.tar')), (e: unknown) => e instanceof CtrimgError && e.code === 'ARCHIVE_UNKNOWN' && e.exitCode === 3);
    await assert.rejects(TarIndex.open(dir), invalid(/not a regular file/));
    const path = await archive(entry({ name: 'a' }, 'abc'), END);
    const index = await TarIndex.open(path);
    await writeFile(path, Buffer.concat([entry({ name: 'a' }, 'abc'), entry({ name: 'b' }, 'def'), END]));
    await assert.rejects(index.read(index.get('a')!, 10, 'a'), invalid(/changed while it was being read/));
  });
});

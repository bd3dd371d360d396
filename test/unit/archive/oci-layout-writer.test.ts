/**
 * The OCI layout writer on directories it did not make: it never writes outside the layout
 * through a symlinked blob directory, never reads index.json through a symlink or from a FIFO,
 * and keeps what index.json held that it does not itself write (index annotations, entry fields).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { OciLayoutWriter } from '../../../src/archive/oci-layout-writer.js';
import { CtrimgError } from '../../../src/errors.js';
import { sha256 } from '../../../src/image/digest.js';
import { deadPid } from '../../support/processes.js';
import type { Descriptor } from '../../../src/image/manifest.js';

const isCode = (code: string) => (e: unknown) => e instanceof CtrimgError && e.code === code;
const REF_NAME = 'org.opencontainers.image.ref.name';

describe('archive/oci-layout-writer', () => {
  let work: string;
  let dir: string;
  let outside: string;
  const bytes = Buffer.from('a layer blob');
  const desc: Descriptor = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(bytes), size: bytes.length };
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: desc, layers: [] }));
  const manifestDesc: Descriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length };

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'ctrimg-layout-writer-unit-'));
    dir = join(work, 'layout');
    outside = join(work, 'outside');
    await mkdir(dir);
    await mkdir(outside);
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  for (const linked of ['blobs', 'blobs/sha256']) {
    it(`writes nothing outside the layout when ${linked} is a symlink`, async () => {
      if (linked === 'blobs/sha256') await mkdir(join(dir, 'blobs'));
      await symlink(outside, join(dir, linked));
      await assert.rejects(OciLayoutWriter.create(dir), isCode('LAYOUT_INVALID'));
      assert.deepEqual(await readdir(outside), []);
    });
  }

  it('writes anew a blob the layout holds truncated or as a symlink, and keeps one it holds whole', async () => {
    const blob = join(dir, 'blobs', 'sha256', desc.digest.slice('sha256:'.length));
    const bait = join(outside, 'bait');
    await writeFile(bait, bytes);
    for (const plant of [() => writeFile(blob, bytes.subarray(0, 3)), () => symlink(bait, blob)]) {
      const w = await OciLayoutWriter.create(dir);
      await rm(blob, { force: true });
      await plant();
      await w.writeBlob(desc, async (offset) => Readable.from([bytes.subarray(offset)]));
      await w.writeConfig(desc, bytes);
      await w.close();
      assert.equal((await lstat(blob)).isFile(), true);
      assert.deepEqual(await readFile(blob), bytes);
    }
    let asked = 0;
    const w = await OciLayoutWriter.create(dir);
    await w.writeBlob(desc, async () => {
      asked++;
      return Readable.from([bytes]);
    });
    await w.close();
    assert.equal(asked, 0, 'a whole blob is not fetched again');
  });

  it('keeps the index annotations and the fields of entries it does not write', async () => {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const other = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256('other'), size: 5, artifactType: 'application/x-sbom', annotations: { [REF_NAME]: 'sbom' } };
    const replaced = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256('old'), size: 3, annotations: { [REF_NAME]: 'app' } };
    await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [other, replaced], annotations: { 'com.example.kept': 'yes' } }));
    const w = await OciLayoutWriter.create(dir);
    await w.writeBlob(desc, async (offset) => Readable.from([bytes.subarray(offset)]));
    await w.writeManifest(manifestDesc, manifest, 'app');
    const index = JSON.parse((await readFile(join(dir, 'index.json'))).toString()) as { annotations: Record<string, string>; manifests: unknown[] };
    assert.deepEqual(index.annotations, { 'com.example.kept': 'yes' });
    assert.deepEqual(index.manifests, [other, { ...manifestDesc, annotations: { [REF_NAME]: 'app' } }]);
  });

  it('refuses a second writer while one holds the directory, and takes it once that one closed', async () => {
    const first = await OciLayoutWriter.create(dir);
    await assert.rejects(OciLayoutWriter.create(dir), isCode('LAYOUT_BUSY'));
    await first.writeManifest(manifestDesc, manifest, 'one');
    await first.close();
    const second = await OciLayoutWriter.create(dir);
    await second.writeManifest(manifestDesc, manifest, 'two');
    await second.close();
    const index = JSON.parse((await readFile(join(dir, 'index.json'))).toString()) as { manifests: Descriptor[] };
    assert.deepEqual(index.manifests.map((m) => m.annotations?.[REF_NAME]), ['one', 'two']);
    assert.deepEqual((await readdir(dir)).sort(), ['blobs', 'index.json', 'oci-layout'], 'the lock is gone with its writer');
  });

  it("removes the temp files a killed writer left, once it holds the directory, and no one else's", async () => {
    const dead = await deadPid();
    const left = [`.tmp-${dead}-0a0b0c0d-stream`, `.tmp-${dead}-0e0f0a0b-index.json`, `.tmp-${dead}-01020304-${desc.digest.slice(7)}`];
    for (const f of left) await writeFile(join(dir, f), 'half written');
    await writeFile(join(dir, 'notes.txt'), 'not the writer\'s');
    const running = `.tmp-${process.ppid}-0a0b0c0d-stream`;
    await writeFile(join(dir, running), 'a running process\'s');
    const w = await OciLayoutWriter.create(dir);
    await w.close();
    assert.deepEqual((await readdir(dir)).sort(), [running, 'blobs', 'index.json', 'notes.txt', 'oci-layout']);
  });

  it('takes no write once closed: its lock is gone, another writer may hold the directory', async () => {
    const w = await OciLayoutWriter.create(dir);
    await w.close();
    const other = await OciLayoutWriter.create(dir);
    await assert.rejects(w.writeManifest(manifestDesc, manifest, 'late'), /closed/);
    await assert.rejects(w.writeBlob(desc, async () => Readable.from([bytes])), /closed/);
    await assert.rejects(w.writeStream(Readable.from([bytes]), { mediaType: desc.mediaType }), /closed/);
    await assert.rejects(w.writeConfig(desc, bytes), /closed/);
    await other.close();
    const index = JSON.parse((await readFile(join(dir, 'index.json'))).toString()) as { manifests: Descriptor[] };
    assert.deepEqual(index.manifests, []);
    assert.deepEqual(await readdir(join(dir, 'blobs', 'sha256')), []);
  });

  it('keeps every name when one writer is given several manifests at once', async () => {
    const w = await OciLayoutWriter.create(dir);
    const names = ['a', 'b', 'c', 'd'];
    await Promise.all(names.map((n) => w.writeManifest(manifestDesc, manifest, n)));
    await w.close();
    const index = JSON.parse((await readFile(join(dir, 'index.json'))).toString()) as { manifests: Descriptor[] };
    assert.deepEqual(index.manifests.map((m) => m.annotations?.[REF_NAME]).sort(), names);
  });

  it('reports a full disk as NO_SPACE and leaves no temp file', async () => {
    const w = await OciLayoutWriter.create(dir);
    const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const full = () =>
      Readable.from(
        (async function* () {
          yield bytes;
          throw enospc();
        })(),
      );
    await assert.rejects(w.writeBlob({ ...desc, size: desc.size + 1 }, async () => full()), isCode('NO_SPACE'));
    await assert.rejects(w.writeStream(full(), { mediaType: desc.mediaType }), isCode('NO_SPACE'));
    await w.close();
    assert.deepEqual((await readdir(dir)).sort(), ['blobs', 'index.json', 'oci-layout']);
    assert.deepEqual(await readdir(join(dir, 'blobs', 'sha256')), []);
  });

  it('reads index.json neither through a symlink nor from a FIFO', async function () {
    if (process.platform === 'win32') this.skip();
    const w = await OciLayoutWriter.create(dir);
    const index = join(dir, 'index.json');
    await writeFile(join(outside, 'index.json'), await readFile(index));
    await unlink(index);
    await symlink(join(outside, 'index.json'), index);
    await assert.rejects(w.writeManifest(manifestDesc, manifest, 'app'), isCode('LAYOUT_INVALID'));

    await unlink(index);
    execFileSync('mkfifo', [index]);
    const soon = Promise.race([
      w.writeManifest(manifestDesc, manifest, 'app'),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still waiting on the FIFO after 1 s')), 1000).unref()),
    ]);
    try {
      await assert.rejects(soon, isCode('LAYOUT_INVALID'));
    } finally {
      try {
        closeSync(openSync(index, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // ENXIO: nobody is waiting to read it.
      }
    }
  });
});

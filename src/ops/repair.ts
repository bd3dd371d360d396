/**
 * Repair-ContainerImageStore: compares what is on disk with what the database records and
 * reports every difference; with `fix`, deletes what can safely go. Every blob is rehashed
 * (streamed). Nothing is ever refetched: damage that deleting cannot mend (a missing manifest,
 * config or layer directory of an image) is reported with the images to remove and reinstall.
 * A layer whose compressed blob is absent is fine (Install -DropLayerBlobs): reported as
 * information only.
 *
 * The database is checked first: what is on disk can be judged only against records that are
 * whole. A damaged database (SQLite's integrity_check or foreign_key_check) is the one finding
 * reported, and `fix` refuses to delete anything: a table that lost its rows would make every
 * directory and blob it named look like garbage.
 *
 * With `fix` it first takes the deletion lease (leases.ts), so no install or New-Container is
 * running: a blob no row names and a layer or container directory no row records are garbage,
 * not work yet to be recorded.
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { digestHex, type Digest } from '../image/digest.js';
import type { OpsContext } from './context.js';
import { assertDatabaseSound } from './damage.js';
import { describeImage } from './images.js';
import { lease } from './recover.js';
import { findLeftovers, removeLeftover } from './leftovers.js';
import { isRunning, parseOwner } from '../content/owner.js';
import { DATABASE_FILE, removeInside } from '../content/root.js';

export type FindingKind =
  | 'DamagedDatabase'
  | 'CorruptBlob'
  | 'UnreferencedBlob'
  | 'MissingBlob'
  | 'BlobNotKept'
  | 'MissingLayer'
  | 'UnusedLayer'
  | 'UnrecordedLayer'
  | 'MissingContainer'
  | 'UnrecordedContainer'
  | 'Leftover'
  | 'StaleLock'
  | 'OldPartial';

/**
 * None: information only. Reinstall: cannot be fixed here; `images` says what to remove and
 * reinstall. RestoreDatabase: cannot be fixed here; see DATABASE_HINT (damage.ts).
 */
export type RepairAction = 'None' | 'Deleted' | 'WouldDelete' | 'Reinstall' | 'RestoreDatabase';

export interface Finding {
  kind: FindingKind;
  /** Relative to the store root, `/`-separated. */
  path: string;
  digest: string | null;
  images: string[];
  action: RepairAction;
  detail: string;
}

/** Partial downloads untouched for this long are given up on. */
export const PARTIAL_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

const HEX = /^[0-9a-f]{64}$/;

/** True when nothing is left to do: every finding is information or has been fixed. */
export const isClean = (findings: Finding[]) => findings.every((f) => f.action === 'None' || f.action === 'Deleted');

export async function repairStore(ctx: OpsContext, opts: { fix: boolean }): Promise<Finding[]> {
  if (!opts.fix) {
    const damage = ctx.store.damage();
    if (damage.length > 0) {
      return damage.map((detail) => ({ kind: 'DamagedDatabase', path: DATABASE_FILE, digest: null, images: [], action: 'RestoreDatabase', detail }));
    }
    return check(ctx, opts);
  }
  assertDatabaseSound(ctx);
  const release = await lease(ctx, 'delete');
  try {
    return await check(ctx, opts);
  } finally {
    await release();
  }
}

async function check(ctx: OpsContext, opts: { fix: boolean }): Promise<Finding[]> {
  const { root, store } = ctx;
  const findings: Finding[] = [];
  const deletable = async (f: Omit<Finding, 'action' | 'images'>, remove: () => Promise<unknown>) => {
    if (opts.fix) await remove();
    findings.push({ ...f, images: [], action: opts.fix ? 'Deleted' : 'WouldDelete' });
  };

  for (const l of await findLeftovers(root)) {
    const detail = l.kind === 'StaleLock' ? `lock of stopped process ${l.pid || '(none)'}` : `left by stopped process ${l.pid}`;
    await deletable({ kind: l.kind, path: l.path, digest: null, detail }, () => removeLeftover(root, l, ctx.importer));
  }

  for (const entry of await list(ctx.content.ingestDir)) {
    const m = /^([0-9a-f]{64})\.partial$/.exec(entry);
    if (!m) continue;
    const path = join(ctx.content.ingestDir, entry);
    const st = await stat(path).catch(() => undefined);
    if (!st || (await lockedByLiveProcess(ctx, m[1]!))) continue;
    const age = Date.now() - st.mtimeMs;
    if (age > PARTIAL_MAX_AGE_MS) {
      const detail = `partial download of ${st.size} bytes untouched for ${Math.floor(age / 86_400_000)} days`;
      await deletable({ kind: 'OldPartial', path: `ingest/${entry}`, digest: `sha256:${m[1]}`, detail }, () => removeInside(root, path));
    }
  }

  // Unused layer rows first: their blobs then count as unreferenced below.
  const unused = opts.fix ? store.transaction(() => store.layers.deleteUnused()) : store.layers.unused();
  for (const layer of unused) {
    const detail = `layer ${layer.chainId} is recorded but no image uses it`;
    const path = ctx.layerPath(layer.chainId as Digest);
    await deletable({ kind: 'UnusedLayer', path: relative(root, path), digest: layer.chainId, detail }, () => ctx.importer.removeLayer(path));
  }

  const referenced = store.referencedBlobs();
  for (const entry of await list(ctx.content.blobDir)) {
    const path = join(ctx.content.blobDir, entry);
    const digest = `sha256:${entry}`;
    const actual = HEX.test(entry) ? await hashFile(path) : undefined;
    if (actual !== digest) {
      const detail = actual ? `content hashes to ${actual}` : 'not a sha256 digest';
      await deletable({ kind: 'CorruptBlob', path: `blobs/sha256/${entry}`, digest: HEX.test(entry) ? digest : null, detail }, () => removeInside(root, path));
    } else if (!referenced.has(digest)) {
      await deletable({ kind: 'UnreferencedBlob', path: `blobs/sha256/${entry}`, digest, detail: 'no image or layer names it' }, () => removeInside(root, path));
    }
  }

  for (const img of store.images.all()) {
    for (const [what, digest] of [['manifest', img.manifestDigest], ['config', img.configDigest]] as const) {
      if (await ctx.content.has(digest as Digest)) continue;
      findings.push({
        kind: 'MissingBlob',
        path: relative(root, ctx.content.path(digest as Digest)),
        digest,
        images: [describeImage(img)],
        action: 'Reinstall',
        detail: `the ${what} of ${describeImage(img)} is missing`,
      });
    }
  }

  // Directories are told apart by the identity in their name: the chain id's hex, the cid.
  const recorded = new Set<string>();
  for (const layer of store.layers.all()) {
    recorded.add(digestHex(layer.chainId as Digest));
    const path = ctx.layerPath(layer.chainId as Digest);
    if (!(await exists(path))) {
      const images = store.images.usingLayer(layer.id).map(describeImage);
      const detail = `the directory of layer ${layer.chainId} is missing${images.length ? `; used by ${images.join(', ')}` : ''}`;
      findings.push({ kind: 'MissingLayer', path: relative(root, path), digest: layer.chainId, images, action: images.length ? 'Reinstall' : 'None', detail });
    }
    if (!(await ctx.content.has(layer.blobDigest as Digest))) {
      const detail = `compressed blob of layer ${layer.chainId} not kept`;
      findings.push({ kind: 'BlobNotKept', path: relative(root, ctx.content.path(layer.blobDigest as Digest)), digest: layer.blobDigest, images: [], action: 'None', detail });
    }
  }

  const layerDir = join(root, 'layers');
  for (const entry of await list(layerDir)) {
    const path = join(layerDir, entry);
    if (!HEX.test(entry) || recorded.has(entry)) continue;
    const detail = 'a layer directory no layer row records';
    await deletable({ kind: 'UnrecordedLayer', path: `layers/${entry}`, digest: `sha256:${entry}`, detail }, () => ctx.importer.removeLayer(path));
  }

  const containers = store.containers.list();
  for (const c of containers) {
    const path = ctx.containerPath(c.cid);
    if (await exists(path)) continue;
    const detail = `the filesystem of container '${c.name}' is missing; removing the container removes its record`;
    findings.push({ kind: 'MissingContainer', path: relative(root, path), digest: null, images: [], action: 'None', detail });
  }
  const cids = new Set(containers.map((c) => c.cid));
  const containerDir = join(root, 'containers');
  for (const entry of await list(containerDir)) {
    const path = join(containerDir, entry);
    if (!HEX.test(entry) || cids.has(entry)) continue;
    const detail = 'a container directory no container record names';
    await deletable({ kind: 'UnrecordedContainer', path: `containers/${entry}`, digest: null, detail }, () => ctx.importer.removeContainer(path));
  }
  return findings;
}

async function lockedByLiveProcess(ctx: OpsContext, hex: string): Promise<boolean> {
  const owner = parseOwner(await readFile(join(ctx.content.ingestDir, `${hex}.lock`), 'utf8').catch(() => ''));
  return owner !== undefined && isRunning(owner);
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

const list = (dir: string) => readdir(dir).then((n) => n.sort(), () => [] as string[]);
const exists = (path: string) => stat(path).then(() => true, () => false);
const relative = (root: string, path: string) => (path.startsWith(root + '/') || path.startsWith(root + '\\') ? path.slice(root.length + 1).replaceAll('\\', '/') : path);

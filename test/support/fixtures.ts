/**
 * Test support: a standard set of images published into a real registry with skopeo, and the
 * filesystem trees a correct install must produce from them.
 *
 *   samples/nanoserver:10.0.17763.1  base OS image, 3 gzip layers (symlink, hard link, empty
 *                                    file, >100-char path, whiteout, opaque whiteout)
 *   samples/webapp:1.2.0             child: the base's 3 layers + app/app.txt, base.* annotations
 *   samples/multi:1.0                OCI index: linux/amd64 + windows/amd64 (os.version 10.0.17763.1)
 */
import { chmod, link, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { createHash } from 'node:crypto';
import {
  hexOf,
  publishImage,
  publishIndex,
  tarFromDir,
  type Digest,
  type ImageSpec,
  type PublishOptions,
  type PublishedImage,
} from './oci-layout.js';

/** relative posix path -> 'dir' | 'file:<sha256 hex>' | 'symlink:<target>' | 'other:<kind>' */
export type Tree = Record<string, string>;

export interface PublishedMulti {
  repo: string;
  tag: string;
  reference: string;
  indexDigest: Digest;
  indexBytes: Buffer;
  linux: PublishedImage;
  windows: PublishedImage;
}

export interface Fixtures {
  host: string;
  base: PublishedImage;
  child: PublishedImage;
  multi: PublishedMulti;
  /** Merged filesystem of the base image (whiteouts applied, whiteout files absent). */
  expectedBaseTree: Tree;
  /** Merged filesystem of the child image. */
  expectedChildTree: Tree;
  /** Raw content of every layer tar (whiteout files included as empty files), keyed by diff id. */
  expectedLayerTrees: Record<Digest, Tree>;
  /** Pairs of paths that must be the same inode after install (both in the merged trees). */
  hardLinks: Array<[string, string]>;
}

export const FIXTURE_NAMES = {
  base: { repo: 'samples/nanoserver', tag: '10.0.17763.1' },
  child: { repo: 'samples/webapp', tag: '1.2.0' },
  multi: { repo: 'samples/multi', tag: '1.0' },
} as const;

/** A path longer than 100 characters (needs a pax `path` record). */
export const LONG_PATH =
  'deep/' + 'directory-with-a-rather-long-name-'.repeat(2) + 'x/' + 'file-with-a-long-name-too-'.repeat(2) + 'end.txt';

// ---------------------------------------------------------------------------------------------
// trees

function sha256hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/**
 * Describes a directory on disk in the Tree form, without following symlinks. Keys are
 * relative posix paths (the root itself is not included).
 */
export async function readTree(dir: string): Promise<Tree> {
  const out: Tree = {};
  async function walk(abs: string, rel: string): Promise<void> {
    const names = (await readdir(abs)).sort();
    for (const name of names) {
      const a = join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(a);
      if (st.isSymbolicLink()) out[r] = `symlink:${await readlink(a)}`;
      else if (st.isDirectory()) {
        out[r] = 'dir';
        await walk(a, r);
      } else if (st.isFile()) out[r] = `file:${sha256hex(await readFile(a))}`;
      else if (st.isFIFO()) out[r] = 'other:fifo';
      else if (st.isCharacterDevice()) out[r] = `other:char:${st.rdev}`;
      else if (st.isBlockDevice()) out[r] = `other:block:${st.rdev}`;
      else out[r] = 'other:unknown';
    }
  }
  await walk(dir, '');
  return out;
}

/** True if `dir/a` and `dir/b` are the same inode (hard links). */
export async function hardLinked(dir: string, a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([lstat(join(dir, a)), lstat(join(dir, b))]);
  return sa.dev === sb.dev && sa.ino === sb.ino;
}

/**
 * Applies layer trees in order with OCI whiteout semantics: `.wh.<name>` deletes `<name>` (and
 * everything under it) from lower layers, `<dir>/.wh..wh..opq` deletes every lower entry under
 * `<dir>`; whiteout files never appear in the result. A non-dir entry replaces a lower subtree.
 */
export function mergeLayerTrees(layers: Tree[]): Tree {
  let merged: Tree = {};
  const dropUnder = (t: Tree, p: string, includeSelf: boolean): Tree => {
    const out: Tree = {};
    for (const [k, v] of Object.entries(t)) {
      if ((includeSelf && k === p) || k.startsWith(p === '' ? '' : `${p}/`)) continue;
      out[k] = v;
    }
    return out;
  };
  for (const layer of layers) {
    const keys = Object.keys(layer).sort();
    for (const k of keys) {
      const base = posix.basename(k);
      const parent = posix.dirname(k) === '.' ? '' : posix.dirname(k);
      if (base === '.wh..wh..opq') merged = dropUnder(merged, parent, false);
      else if (base.startsWith('.wh.')) {
        const target = parent ? `${parent}/${base.slice(4)}` : base.slice(4);
        merged = dropUnder(merged, target, true);
      }
    }
    for (const k of keys) {
      if (posix.basename(k).startsWith('.wh.')) continue;
      const v = layer[k] as string;
      if (v !== 'dir' && merged[k] === 'dir') merged = dropUnder(merged, k, false);
      // a lower non-dir at an ancestor is replaced by the directory this layer implies
      for (let p = posix.dirname(k); p !== '.'; p = posix.dirname(p)) {
        if (merged[p] !== undefined && merged[p] !== 'dir') merged[p] = 'dir';
      }
      merged[k] = v;
    }
  }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// ---------------------------------------------------------------------------------------------
// building layer directories

type FsSpec =
  | { path: string; dir: true }
  | { path: string; content: string; mode?: number }
  | { path: string; symlink: string }
  | { path: string; hardlinkTo: string };

async function makeDir(root: string, entries: FsSpec[]): Promise<void> {
  for (const e of entries) {
    const abs = join(root, e.path);
    await mkdir(dirname(abs), { recursive: true });
    if ('dir' in e) await mkdir(abs, { recursive: true });
    else if ('content' in e) {
      await writeFile(abs, e.content);
      await chmod(abs, e.mode ?? 0o644);
    } else if ('symlink' in e) await symlink(e.symlink, abs);
    else await link(join(root, e.hardlinkTo), abs);
  }
  // deterministic directory modes regardless of umask
  const fix = async (d: string): Promise<void> => {
    await chmod(d, 0o755);
    for (const n of await readdir(d)) {
      const p = join(d, n);
      if ((await lstat(p)).isDirectory()) await fix(p);
    }
  };
  await fix(root);
}

interface BuiltLayer {
  tar: Buffer;
  tree: Tree;
}

async function buildLayer(work: string, name: string, entries: FsSpec[]): Promise<BuiltLayer> {
  const root = join(work, name);
  await mkdir(root, { recursive: true });
  await makeDir(root, entries);
  return { tar: await tarFromDir(root), tree: await readTree(root) };
}

export const BASE_LAYERS: FsSpec[][] = [
  [
    { path: 'bin/tool', content: '#!/bin/sh\necho tool\n', mode: 0o755 },
    { path: 'bin/link', symlink: 'tool' },
    { path: 'bin/hard', hardlinkTo: 'bin/tool' },
    { path: 'etc/empty', content: '' },
    { path: 'etc/hostname', content: 'nanoserver\n' },
    { path: LONG_PATH, content: 'a file whose path is over 100 characters\n' },
    { path: 'gone.txt', content: 'deleted by a whiteout in layer 2\n' },
    { path: 'old/a', content: 'old a (hidden by the opaque whiteout in layer 3)\n' },
    { path: 'old/b', content: 'old b (hidden by the opaque whiteout in layer 3)\n' },
    { path: 'var', dir: true },
  ],
  [
    { path: '.wh.gone.txt', content: '' },
    { path: 'new.txt', content: 'added in layer 2\n' },
  ],
  [
    { path: 'old/.wh..wh..opq', content: '' },
    { path: 'old/c', content: 'c, the only entry left in old/\n' },
  ],
];

export const CHILD_LAYER: FsSpec[] = [{ path: 'app/app.txt', content: 'hello from webapp 1.2.0\n' }];

export const LINUX_LAYER: FsSpec[] = [{ path: 'etc/os-release', content: 'ID=ctrimg-fixture-linux\n' }];

export const WINDOWS_LAYER: FsSpec[] = [
  { path: 'Files/License.txt', content: 'windows fixture layer\n' },
  { path: 'Hives', dir: true },
];

export const BASE_ANNOTATIONS = {
  'org.opencontainers.image.title': 'NanoServer',
  'org.opencontainers.image.description': 'Nano Server base OS image (ctrimg test fixture)',
  'org.opencontainers.image.vendor': 'Microsoft',
} as const;

// ---------------------------------------------------------------------------------------------
// publishing

/** Publishes the standard fixtures into the registry at `host` (plain http). Takes ~1-2 s. */
export async function publishFixtures(host: string, opts: PublishOptions = {}): Promise<Fixtures> {
  const work = await mkdtemp(join(tmpdir(), 'ctrimg-fixtures-'));
  try {
    const baseLayers: BuiltLayer[] = [];
    for (const [i, entries] of BASE_LAYERS.entries()) baseLayers.push(await buildLayer(work, `base${i + 1}`, entries));
    const appLayer = await buildLayer(work, 'app', CHILD_LAYER);
    const linuxLayer = await buildLayer(work, 'linux', LINUX_LAYER);
    const windowsLayer = await buildLayer(work, 'windows', WINDOWS_LAYER);

    const baseSpec: ImageSpec = {
      ...FIXTURE_NAMES.base,
      os: 'linux',
      architecture: 'amd64',
      annotations: { ...BASE_ANNOTATIONS },
      layers: baseLayers.map((l, i) => ({ tar: l.tar, createdBy: `nanoserver layer ${i + 1}` })),
    };
    const multiPromise = publishIndex(
      host,
      {
        ...FIXTURE_NAMES.multi,
        annotations: { 'org.opencontainers.image.title': 'Multi' },
        images: [
          { repo: '', tag: '', os: 'linux', architecture: 'amd64', layers: [{ tar: linuxLayer.tar }] },
          {
            repo: '',
            tag: '',
            os: 'windows',
            architecture: 'amd64',
            osVersion: '10.0.17763.1',
            layers: [{ tar: windowsLayer.tar }],
          },
        ],
      },
      opts,
    );
    const base = await publishImage(host, baseSpec, opts);
    const child = await publishImage(
      host,
      {
        ...FIXTURE_NAMES.child,
        os: 'linux',
        architecture: 'amd64',
        annotations: {
          'org.opencontainers.image.title': 'WebApp',
          'org.opencontainers.image.base.name': base.reference,
          'org.opencontainers.image.base.digest': base.manifestDigest,
        },
        layers: [...baseSpec.layers, { tar: appLayer.tar, createdBy: 'webapp layer' }],
      },
      opts,
    );
    const multi = await multiPromise;
    const [linux, windows] = multi.images as [PublishedImage, PublishedImage];

    const expectedLayerTrees: Record<Digest, Tree> = {};
    const allLayers = [...baseLayers, appLayer, linuxLayer, windowsLayer];
    const allDiffIds = [...child.diffIds, ...linux.diffIds, ...windows.diffIds];
    allLayers.forEach((l, i) => (expectedLayerTrees[allDiffIds[i] as Digest] = l.tree));

    return {
      host,
      base,
      child,
      multi: {
        repo: multi.repo,
        tag: multi.tag,
        reference: multi.reference,
        indexDigest: multi.indexDigest,
        indexBytes: multi.indexBytes,
        linux,
        windows,
      },
      expectedBaseTree: mergeLayerTrees(baseLayers.map((l) => l.tree)),
      expectedChildTree: mergeLayerTrees([...baseLayers, appLayer].map((l) => l.tree)),
      expectedLayerTrees,
      hardLinks: [['bin/hard', 'bin/tool']],
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// registry storage tampering

/** Path of a blob's bytes in a filesystem-backed registry. `registryDir` is RunningRegistry.dir
 * (storage under `<dir>/data`) or a storage root directory itself. */
export function registryBlobPath(registryDir: string, digest: Digest | string): string {
  const root = existsSync(join(registryDir, 'data', 'docker')) ? join(registryDir, 'data') : registryDir;
  const hex = hexOf(digest);
  return join(root, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}

/**
 * Flips one byte (default: the middle one) of a stored blob so the registry serves bytes that
 * no longer match their digest. Size is unchanged. Returns the file's path.
 */
export async function corruptRegistryBlob(registryDir: string, digest: Digest | string, offset?: number): Promise<string> {
  const p = registryBlobPath(registryDir, digest);
  const bytes = await readFile(p);
  if (bytes.length === 0) throw new Error(`blob ${digest} is empty; nothing to corrupt`);
  const at = offset ?? Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] as number) ^ 0xff;
  await writeFile(p, bytes);
  return p;
}

/** Size in bytes of a stored blob (throws if absent). */
export async function registryBlobSize(registryDir: string, digest: Digest | string): Promise<number> {
  return (await stat(registryBlobPath(registryDir, digest))).size;
}

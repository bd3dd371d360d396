/**
 * Bench support: the benchmark images, one OCI layout per shape, generated once into a cache
 * under the temp dir, then pushed into a fresh registry with skopeo on every run.
 *
 *   small-files  bench/small-files:1  three gzip layers of many small files: an OS-like base (60%
 *                of the bytes), a dependencies layer (30%) and an application layer (10%);
 *                bench/small-files:2  the same first two layers and a small application layer
 *                of its own (1%). Creating inodes dominates.
 *   large-files  bench/large-files:1  three gzip layers of 150, 100 and 50 MiB of incompressible
 *                data in files of 4 to 96 MiB, like a Windows base image's: moving bytes dominates.
 *   large-100m   bench/large-100m:1  one such layer of 100 MiB,
 *   large-1g     bench/large-1g:1  and one of 1 GiB: memory must stay flat in layer size.
 *
 * Layers are streamed (tar -> gzip -> file) with both digests computed on the way, so the
 * generator never holds a layer in memory.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack, type Pack } from 'tar-stream';
import { MEDIA_TYPES, hexOf, sha256, skopeoPush, type Descriptor, type Digest } from '../support/oci-layout.js';
import { prng } from '../support/prng.js';
import { ContentSource, logNormal, type FileKind } from './content.js';
import { onCleanup } from './measure.js';

/** Bump when the generator changes, so old caches are not reused. */
const GENERATOR_VERSION = 2;

const MIB = 1024 * 1024;

export interface LayerInfo {
  digest: Digest;
  /** Compressed size. */
  size: number;
  diffId: Digest;
  /** Uncompressed content bytes (file data only). */
  contentBytes: number;
  files: number;
}

export interface BenchImage {
  /** Repository in the registry, e.g. `bench/small-files`. */
  repo: string;
  tag: string;
  manifest: Descriptor;
  layers: LayerInfo[];
}

interface LayerSpec {
  name: string;
  /** Many small files of three kinds, or a few large files of random bytes. */
  files: 'small' | 'large';
  prefixes: string[];
  bytes: number;
  seed: number;
}

export interface Shape {
  /** Cache key and report label. */
  name: string;
  repo: string;
  layers: LayerSpec[];
  /** Each image's tag and the indexes of its layers in `layers`. */
  images: Array<{ tag: string; layers: number[] }>;
}

/** The many-small-files shape of `mb` MiB of content. */
export function smallFilesShape(mb: number): Shape {
  const total = mb * MIB;
  const part = (share: number) => Math.max(256 * 1024, Math.round(total * share));
  return {
    name: `small-files-${mb}mb`,
    repo: 'bench/small-files',
    layers: [
      { name: 'base', files: 'small', prefixes: ['usr/lib', 'usr/share', 'usr/bin', 'etc', 'var/lib'], bytes: part(0.6), seed: 1 },
      { name: 'deps', files: 'small', prefixes: ['opt/deps/lib', 'opt/deps/share'], bytes: part(0.3), seed: 2 },
      { name: 'app', files: 'small', prefixes: ['srv/app'], bytes: part(0.1), seed: 3 },
      { name: 'app2', files: 'small', prefixes: ['srv/app2'], bytes: part(0.01), seed: 4 },
    ],
    images: [
      { tag: '1', layers: [0, 1, 2] },
      { tag: '2', layers: [0, 1, 3] },
    ],
  };
}

/** Three layers of large incompressible files, 150, 100 and 50 MiB. */
export function largeFilesShape(): Shape {
  return {
    name: 'large-files-300mb',
    repo: 'bench/large-files',
    layers: [
      { name: 'base', files: 'large', prefixes: ['Files/Windows/System32', 'Files/Windows/WinSxS'], bytes: 150 * MIB, seed: 11 },
      { name: 'runtime', files: 'large', prefixes: ['Files/Program Files/Runtime'], bytes: 100 * MIB, seed: 12 },
      { name: 'app', files: 'large', prefixes: ['Files/inetpub/app'], bytes: 50 * MIB, seed: 13 },
    ],
    images: [{ tag: '1', layers: [0, 1, 2] }],
  };
}

/** The single large layers: their size and the seed of their content. */
const LARGE_LAYERS = { '100m': { mib: 100, seed: 22 }, '1g': { mib: 1024, seed: 21 } };

/** One layer of large incompressible files: `large-100m` (100 MiB) or `large-1g` (1 GiB). */
export function largeLayerShape(size: keyof typeof LARGE_LAYERS): Shape {
  const name = `large-${size}`;
  const { mib, seed } = LARGE_LAYERS[size];
  return {
    name,
    repo: `bench/${name}`,
    layers: [{ name: 'base', files: 'large', prefixes: ['Files/Windows/System32', 'Files/Windows/WinSxS'], bytes: mib * MIB, seed }],
    images: [{ tag: '1', layers: [0] }],
  };
}

export interface BenchLayout {
  dir: string;
  shape: Shape;
  images: BenchImage[];
  /** True when this run generated the layout (false: reused from the cache). */
  generated: boolean;
}

function layoutCacheDir(shape: Shape): string {
  return join(tmpdir(), 'ctrimg-bench', `layout-v${GENERATOR_VERSION}-${shape.name}-${platformArch()}`);
}

/** The cached layout of `shape`, generated first if missing. */
export async function benchLayout(shape: Shape, log: (line: string) => void): Promise<BenchLayout> {
  const dir = layoutCacheDir(shape);
  const metaPath = join(dir, 'bench.json');
  if (existsSync(metaPath)) {
    const images = JSON.parse(await readFile(metaPath, 'utf8')) as BenchImage[];
    return { dir, shape, images, generated: false };
  }
  // Built beside its final place and renamed, so an interrupted run leaves no half cache.
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  const forget = onCleanup(() => rm(tmp, { recursive: true, force: true }));
  try {
    await mkdir(join(tmp, 'blobs', 'sha256'), { recursive: true });
    const layers: LayerInfo[] = [];
    for (const spec of shape.layers) {
      const started = Date.now();
      const layer = await writeLayer(join(tmp, 'blobs', 'sha256'), spec);
      log(`generated ${shape.name} layer ${spec.name}: ${layer.files} files, ${mib(layer.contentBytes)} MiB -> ${mib(layer.size)} MiB gzip in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      layers.push(layer);
    }
    const images: BenchImage[] = [];
    for (const i of shape.images) images.push(await writeImage(tmp, shape.repo, i.tag, i.layers.map((n) => layers[n]!)));
    await writeFile(join(tmp, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const index = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: images.map((i) => ({ ...i.manifest, annotations: { 'org.opencontainers.image.ref.name': i.tag } })),
    };
    await writeFile(join(tmp, 'index.json'), JSON.stringify(index));
    await writeFile(join(tmp, 'bench.json'), JSON.stringify(images, null, 2));
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    return { dir, shape, images, generated: true };
  } finally {
    await rm(tmp, { recursive: true, force: true });
    forget();
  }
}

/** Pushes every image of the layout to `host` as `<repo>:<tag>`. */
export async function publishBenchImages(layout: BenchLayout, host: string): Promise<void> {
  for (const image of layout.images) await skopeoPush(layout.dir, image.tag, host, image.repo);
}

export function mib(n: number): string {
  return (n / MIB).toFixed(1);
}

function platformArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

async function writeImage(dir: string, repo: string, tag: string, layers: LayerInfo[]): Promise<BenchImage> {
  const created = '2020-01-01T00:00:00Z';
  const config = {
    created,
    architecture: platformArch(),
    os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, i) => ({ created, created_by: `ctrimg-bench: layer ${i + 1} of ${repo}:${tag}` })),
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: { mediaType: MEDIA_TYPES.config, digest: sha256(configBytes), size: configBytes.length },
    layers: layers.map((l) => ({ mediaType: MEDIA_TYPES.layerGzip, digest: l.digest, size: l.size })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  for (const bytes of [configBytes, manifestBytes]) {
    await writeFile(join(dir, 'blobs', 'sha256', hexOf(sha256(bytes))), bytes);
  }
  return {
    repo,
    tag,
    manifest: { mediaType: MEDIA_TYPES.manifest, digest: sha256(manifestBytes), size: manifestBytes.length },
    layers,
  };
}

/** Passes bytes through, counting and hashing them. */
class Tap extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/** What a layer writer adds to the tar: entries, their content bytes and regular files. */
interface Filler {
  (tar: LayerTar, spec: LayerSpec): Promise<{ bytes: number; files: number }>;
}

/** The tar being written: entries with a body in memory, or streamed from chunks. */
interface LayerTar {
  entry(header: Parameters<Pack['entry']>[0], body?: Buffer): Promise<void>;
  streamed(header: Parameters<Pack['entry']>[0], chunks: Iterable<Buffer>): Promise<void>;
  /** Directory entries for `path` and each parent not written yet. */
  mkdirs(path: string): Promise<void>;
}

/** Writes one gzip layer into `blobDir`, named by its digest. */
async function writeLayer(blobDir: string, spec: LayerSpec): Promise<LayerInfo> {
  const p = tarPack();
  const tarTap = new Tap();
  const gzTap = new Tap();
  const tmpPath = join(blobDir, `.layer-${spec.seed}`);
  const written = pipeline(p, tarTap, createGzip({ level: 6 }), gzTap, createWriteStream(tmpPath));
  const made = new Set<string>();
  const tar: LayerTar = {
    entry: (header, body) =>
      new Promise<void>((resolve, reject) => {
        const cb = (err?: Error | null) => (err ? reject(err) : resolve());
        if (body) p.entry({ mtime: new Date(0), ...header }, body, cb);
        else p.entry({ mtime: new Date(0), ...header }, cb);
      }),
    streamed: (header, chunks) =>
      new Promise<void>((resolve, reject) => {
        const sink = p.entry({ mtime: new Date(0), ...header }, (err) => (err ? reject(err) : resolve()));
        pipeline(Readable.from(chunks), sink).catch(reject);
      }),
    async mkdirs(path) {
      const parts = path.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const d = parts.slice(0, i).join('/');
        if (made.has(d)) continue;
        made.add(d);
        await tar.entry({ name: `${d}/`, type: 'directory', mode: 0o755 });
      }
    },
  };
  const fill: Filler = spec.files === 'small' ? smallFiles : largeFiles;
  const { bytes, files } = await fill(tar, spec);
  p.finalize();
  await written;
  const digest = `sha256:${gzTap.hash.digest('hex')}` as Digest;
  await rename(tmpPath, join(blobDir, hexOf(digest)));
  return { digest, size: gzTap.bytes, diffId: `sha256:${tarTap.hash.digest('hex')}`, contentBytes: bytes, files };
}

const KINDS: Array<{ kind: FileKind; weight: number; median: number; sigma: number; ext: string }> = [
  { kind: 'text', weight: 0.7, median: 3 * 1024, sigma: 1.3, ext: '.conf' },
  { kind: 'binary', weight: 0.25, median: 12 * 1024, sigma: 1.5, ext: '.so' },
  { kind: 'random', weight: 0.05, median: 12 * 1024, sigma: 1.6, ext: '.gz' },
];

/**
 * About `spec.bytes` of content: directories under the prefixes up to four deep, files of the
 * three kinds with log-normal sizes (a few up to 8 MiB), and a symlink beside about one file in twenty.
 */
const smallFiles: Filler = async (tar, spec) => {
  const rand = prng(spec.seed * 7919);
  const content = new ContentSource(spec.seed);
  const dirs: string[] = [];
  let bytes = 0;
  let files = 0;
  while (bytes < spec.bytes) {
    // A new directory now and then, nested under an existing one or a prefix.
    if (dirs.length === 0 || rand() < 0.04) {
      const parent = dirs.length > 0 && rand() < 0.5 ? dirs[Math.floor(rand() * dirs.length)]! : spec.prefixes[Math.floor(rand() * spec.prefixes.length)]!;
      const d = parent.split('/').length < 6 ? `${parent}/d${dirs.length}` : `${spec.prefixes[0]}/d${dirs.length}`;
      await tar.mkdirs(d);
      dirs.push(d);
    }
    const r = rand();
    let acc = 0;
    const k = KINDS.find((x) => (acc += x.weight) > r) ?? KINDS[0]!;
    const size = Math.min(spec.bytes - bytes, logNormal(rand, k.median, k.sigma, 16, 8 * MIB));
    const name = `${dirs[Math.floor(rand() * dirs.length)]!}/f${files}${k.ext}`;
    await tar.entry({ name, type: 'file', mode: k.kind === 'binary' ? 0o755 : 0o644, size }, content.bytes(k.kind, size));
    if (rand() < 0.05) await tar.entry({ name: `${name}.link`, type: 'symlink', linkname: `f${files}${k.ext}` });
    bytes += size;
    files++;
  }
  return { bytes, files };
};

/** Exactly `spec.bytes` of random bytes in files of 4 to 96 MiB (median 24), streamed 1 MiB at a time. */
const largeFiles: Filler = async (tar, spec) => {
  const rand = prng(spec.seed * 7919);
  const content = new ContentSource(spec.seed);
  let bytes = 0;
  let files = 0;
  for (const prefix of spec.prefixes) await tar.mkdirs(prefix);
  while (bytes < spec.bytes) {
    const size = Math.min(spec.bytes - bytes, logNormal(rand, 24 * MIB, 0.6, 4 * MIB, 96 * MIB));
    const name = `${spec.prefixes[files % spec.prefixes.length]!}/f${files}.dll`;
    const chunks = function* () {
      for (let left = size; left > 0; left -= MIB) yield content.random(Math.min(MIB, left));
    };
    await tar.streamed({ name, type: 'file', mode: 0o644, size }, chunks());
    bytes += size;
    files++;
  }
  return { bytes, files };
};

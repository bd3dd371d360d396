/**
 * Bench support: the benchmark images, generated once per size into an OCI layout cached under
 * the temp dir, then pushed into a fresh registry with skopeo on every run.
 *
 *   bench/big:1  three gzip layers: an OS-like base (60% of the bytes), a dependencies layer
 *                (30%) and an application layer (10%)
 *   bench/big:2  the same first two layers and a small application layer of its own (1%)
 *
 * Layers are streamed (tar -> gzip -> file) with both digests computed on the way, so the
 * generator never holds a layer in memory.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { MEDIA_TYPES, hexOf, sha256, skopeoPush, type Descriptor, type Digest } from '../support/oci-layout.js';
import { prng } from '../support/prng.js';
import { ContentSource, logNormal, type FileKind } from './content.js';
import { onCleanup } from './measure.js';

/** Bump when the generator changes, so old caches are not reused. */
const GENERATOR_VERSION = 1;

export const BENCH_REPO = 'bench/big';

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
  tag: string;
  manifest: Descriptor;
  layers: LayerInfo[];
}

export interface BenchLayout {
  dir: string;
  mb: number;
  images: BenchImage[];
  /** True when this run generated the layout (false: reused from the cache). */
  generated: boolean;
}

export function layoutCacheDir(mb: number): string {
  return join(tmpdir(), 'ctrimg-bench', `layout-v${GENERATOR_VERSION}-${mb}mb-${platformArch()}`);
}

/** The cached layout for `mb` megabytes of content, generated first if missing. */
export async function benchLayout(mb: number, log: (line: string) => void): Promise<BenchLayout> {
  const dir = layoutCacheDir(mb);
  const metaPath = join(dir, 'bench.json');
  if (existsSync(metaPath)) {
    const images = JSON.parse(await readFile(metaPath, 'utf8')) as BenchImage[];
    return { dir, mb, images, generated: false };
  }
  // Built beside its final place and renamed, so an interrupted run leaves no half cache.
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  const forget = onCleanup(() => rm(tmp, { recursive: true, force: true }));
  try {
    await mkdir(join(tmp, 'blobs', 'sha256'), { recursive: true });
    const total = mb * 1024 * 1024;
    const plan = [
      { name: 'base', prefixes: ['usr/lib', 'usr/share', 'usr/bin', 'etc', 'var/lib'], share: 0.6, seed: 1 },
      { name: 'deps', prefixes: ['opt/deps/lib', 'opt/deps/share'], share: 0.3, seed: 2 },
      { name: 'app', prefixes: ['srv/app'], share: 0.1, seed: 3 },
      { name: 'app2', prefixes: ['srv/app2'], share: 0.01, seed: 4 },
    ];
    const layers: LayerInfo[] = [];
    for (const p of plan) {
      const started = Date.now();
      const layer = await writeLayer(join(tmp, 'blobs', 'sha256'), p.prefixes, Math.max(256 * 1024, Math.round(total * p.share)), p.seed);
      log(`generated layer ${p.name}: ${layer.files} files, ${mib(layer.contentBytes)} MiB -> ${mib(layer.size)} MiB gzip in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      layers.push(layer);
    }
    const [base, deps, app, app2] = layers as [LayerInfo, LayerInfo, LayerInfo, LayerInfo];
    const images = [
      await writeImage(tmp, '1', [base, deps, app]),
      await writeImage(tmp, '2', [base, deps, app2]),
    ];
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
    return { dir, mb, images, generated: true };
  } finally {
    await rm(tmp, { recursive: true, force: true });
    forget();
  }
}

/** Pushes every image of the layout to `host` as `bench/big:<tag>`. */
export async function publishBenchImages(layout: BenchLayout, host: string): Promise<void> {
  for (const image of layout.images) await skopeoPush(layout.dir, image.tag, host, BENCH_REPO);
}

function mib(n: number): string {
  return (n / 1024 / 1024).toFixed(1);
}

function platformArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

async function writeImage(dir: string, tag: string, layers: LayerInfo[]): Promise<BenchImage> {
  const created = '2020-01-01T00:00:00Z';
  const config = {
    created,
    architecture: platformArch(),
    os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, i) => ({ created, created_by: `ctrimg-bench: layer ${i + 1} of ${BENCH_REPO}:${tag}` })),
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

const KINDS: Array<{ kind: FileKind; weight: number; median: number; sigma: number; ext: string }> = [
  { kind: 'text', weight: 0.7, median: 3 * 1024, sigma: 1.3, ext: '.conf' },
  { kind: 'binary', weight: 0.25, median: 12 * 1024, sigma: 1.5, ext: '.so' },
  { kind: 'random', weight: 0.05, median: 12 * 1024, sigma: 1.6, ext: '.gz' },
];

/**
 * Writes one gzip layer of about `budget` content bytes into `blobDir` (named by its digest):
 * directories under `prefixes` up to four deep, files of the three kinds with log-normal
 * sizes (a few up to 8 MiB), and a symlink beside about one file in twenty.
 */
async function writeLayer(blobDir: string, prefixes: string[], budget: number, seed: number): Promise<LayerInfo> {
  const rand = prng(seed * 7919);
  const content = new ContentSource(seed);
  const p = tarPack();
  const tarTap = new Tap();
  const gzTap = new Tap();
  const tmpPath = join(blobDir, `.layer-${seed}`);
  const written = pipeline(p, tarTap, createGzip({ level: 6 }), gzTap, createWriteStream(tmpPath));
  const entry = (header: Parameters<typeof p.entry>[0], body?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body) p.entry({ mtime: new Date(0), ...header }, body, cb);
      else p.entry({ mtime: new Date(0), ...header }, cb);
    });

  const dirs: string[] = [];
  const made = new Set<string>();
  const mkdirs = async (path: string) => {
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (made.has(d)) continue;
      made.add(d);
      await entry({ name: `${d}/`, type: 'directory', mode: 0o755 });
    }
  };
  let bytes = 0;
  let files = 0;
  while (bytes < budget) {
    // A new directory now and then, nested under an existing one or a prefix.
    if (dirs.length === 0 || rand() < 0.04) {
      const parent = dirs.length > 0 && rand() < 0.5 ? dirs[Math.floor(rand() * dirs.length)]! : prefixes[Math.floor(rand() * prefixes.length)]!;
      const d = parent.split('/').length < 6 ? `${parent}/d${dirs.length}` : `${prefixes[0]}/d${dirs.length}`;
      await mkdirs(d);
      dirs.push(d);
    }
    const r = rand();
    let acc = 0;
    const k = KINDS.find((x) => (acc += x.weight) > r) ?? KINDS[0]!;
    const size = Math.min(budget - bytes, logNormal(rand, k.median, k.sigma, 16, 8 * 1024 * 1024));
    const name = `${dirs[Math.floor(rand() * dirs.length)]!}/f${files}${k.ext}`;
    await entry({ name, type: 'file', mode: k.kind === 'binary' ? 0o755 : 0o644, size }, content.bytes(k.kind, size));
    if (rand() < 0.05) await entry({ name: `${name}.link`, type: 'symlink', linkname: `f${files}${k.ext}` });
    bytes += size;
    files++;
  }
  p.finalize();
  await written;
  const digest = `sha256:${gzTap.hash.digest('hex')}` as Digest;
  await rename(tmpPath, join(blobDir, hexOf(digest)));
  return { digest, size: gzTap.bytes, diffId: `sha256:${tarTap.hash.digest('hex')}`, contentBytes: bytes, files };
}

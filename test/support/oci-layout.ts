/**
 * Test support: builds OCI image layouts on disk from a small spec and pushes them into a real
 * registry with `skopeo copy --preserve-digests`, so the registry's content is produced by an
 * independent client and every digest is exactly the one computed here.
 *
 * Deliberately self-contained (no imports from src/): the code under test must not produce
 * the fixtures it is tested against.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';

export type Digest = `sha256:${string}`;

export const MEDIA_TYPES = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerTar: 'application/vnd.oci.image.layer.v1.tar',
} as const;

export function sha256(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function hexOf(d: Digest | string): string {
  return d.startsWith('sha256:') ? d.slice(7) : d;
}

/** Deterministic gzip (no name, mtime 0), as most registries' images are compressed. */
export function gzip(data: Uint8Array): Buffer {
  return gzipSync(data, { level: 6 });
}

// ---------------------------------------------------------------------------------------------
// processes

interface RunResult {
  stdout: Buffer;
  stderr: string;
}

/** Runs a program (no shell), resolving with its stdout as a Buffer; rejects with stderr. */
export function run(cmd: string, args: string[], opts: { cwd?: string; input?: Buffer } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { cwd: opts.cwd, encoding: 'buffer', maxBuffer: 512 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } },
      (err, stdout, stderr) => {
        const errText = stderr.toString('utf8');
        if (err) {
          reject(new Error(`${cmd} ${redactArgs(args).join(' ')} failed: ${err.message}\n${errText}`));
        } else {
          resolve({ stdout, stderr: errText });
        }
      },
    );
    if (opts.input) child.stdin?.end(opts.input);
  });
}

/** Never print credentials in error messages. */
function redactArgs(args: string[]): string[] {
  return args.map((a, i) => (i > 0 && /creds$/.test(args[i - 1] ?? '') ? '<redacted>' : a));
}

// ---------------------------------------------------------------------------------------------
// tar

/**
 * Tars the contents of `dir` (entry names relative to it, no `./` prefix) with GNU tar,
 * deterministically: POSIX (pax) format, sorted names, mtime 0, uid/gid 0, no atime/ctime pax
 * records, hard links stored as link entries. An empty dir gives an empty archive.
 */
export async function tarFromDir(dir: string): Promise<Buffer> {
  const top = (await readdir(dir)).sort();
  const args = [
    '-C',
    dir,
    '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    '--sort=name',
    '--mtime=@0',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '-cf',
    '-',
  ];
  if (top.length === 0) args.push('-T', '/dev/null');
  else args.push('--', ...top);
  return (await run('tar', args)).stdout;
}

export interface TarEntry {
  /** Name exactly as written into the header (may be `../x`, `/abs`, `a/../../b`, ...). */
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device' | 'block-device';
  /** Content of a file entry. */
  content?: string | Buffer;
  /** Target of a symlink or hard link. */
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  /** Size to write into the header, if not the content's length (tar-stream pads/validates). */
  size?: number;
}

/**
 * Builds a tar from hand-written entries with tar-stream, for malicious or unusual archives
 * that GNU tar would refuse to create (path traversal, absolute paths, symlink-then-write-through,
 * hard links pointing outside, duplicate names...). Nothing is validated.
 */
export async function tarFromEntries(entries: TarEntry[]): Promise<Buffer> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    p.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    p.on('end', () => resolve(Buffer.concat(chunks)));
    p.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? (e.content !== undefined ? 'file' : e.linkname !== undefined ? 'symlink' : 'file');
    const body = type === 'file' ? Buffer.from(e.content ?? '') : undefined;
    const defaultMode = type === 'directory' ? 0o755 : type === 'symlink' ? 0o777 : 0o644;
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: e.name,
        type,
        mode: e.mode ?? defaultMode,
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        mtime: e.mtime ?? new Date(0),
        linkname: e.linkname,
        size: e.size ?? body?.length ?? 0,
      };
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body) p.entry(header, body, cb);
      else p.entry(header, cb);
    });
  }
  p.finalize();
  return done;
}

// ---------------------------------------------------------------------------------------------
// image spec -> layout

export interface LayerSpec {
  /** The uncompressed tar (its sha256 is the diff id). */
  tar: Buffer;
  /** Default gzip. */
  compression?: 'gzip' | 'none';
  /** Bytes to publish instead of the (compressed) tar, e.g. a corrupt gzip stream. The
   * descriptor's digest and size describe these bytes; the diff id still describes `tar`. */
  rawBlob?: Buffer;
  /** Override the descriptor media type. */
  mediaType?: string;
  /** Descriptor annotations. */
  annotations?: Record<string, string>;
  /** history.created_by for this layer. */
  createdBy?: string;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: string[];
}

export interface ImageSpec {
  repo: string;
  tag: string;
  layers: LayerSpec[];
  /** Default linux. */
  os?: string;
  /** Default amd64. */
  architecture?: string;
  variant?: string;
  osVersion?: string;
  /** `os.features` of the config and of the image's index entry (e.g. ['win32k']). */
  osFeatures?: string[];
  /** Manifest annotations. */
  annotations?: Record<string, string>;
  /** ISO time for config.created and history (default 2020-01-01T00:00:00Z). */
  created?: string;
  /** Image config `config` section (Env, Cmd, Labels, ...). */
  runtimeConfig?: Record<string, unknown>;
  /** Shallow-merged over the generated config JSON last (e.g. `{rootfs: {type:'layers', diff_ids:[wrong]}}`). */
  configOverrides?: Record<string, unknown>;
  /** Use these exact bytes as the config blob (wins over everything above). */
  rawConfig?: Buffer;
  /** Extra top-level manifest fields, shallow-merged last (e.g. `{subject: ...}`). */
  manifestOverrides?: Record<string, unknown>;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string; variant?: string; 'os.version'?: string; 'os.features'?: string[] };
}

export interface BuiltImage {
  manifestDigest: Digest;
  manifestBytes: Buffer;
  manifest: Record<string, unknown>;
  configDigest: Digest;
  configBytes: Buffer;
  config: Record<string, unknown>;
  /** Digests of the published layer blobs (compressed bytes, or rawBlob). */
  layerDigests: Digest[];
  /** sha256 of each uncompressed tar, in order (what the config's rootfs.diff_ids says unless overridden). */
  diffIds: Digest[];
  layerDescriptors: Descriptor[];
  /** All blobs: digest -> bytes (config, layers, manifest). */
  blobs: Map<Digest, Buffer>;
  platform: Platform;
}

export interface PublishedImage extends BuiltImage {
  repo: string;
  tag: string;
  /** `${host}/${repo}:${tag}` */
  reference: string;
  /** `${host}/${repo}@${manifestDigest}` */
  digestReference: string;
}

function canonicalJson(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v));
}

/** Computes all blobs of an image from its spec (nothing is written). */
export function buildImage(spec: ImageSpec): BuiltImage {
  const created = spec.created ?? '2020-01-01T00:00:00Z';
  const platform: Platform = {
    os: spec.os ?? 'linux',
    architecture: spec.architecture ?? 'amd64',
    ...(spec.variant ? { variant: spec.variant } : {}),
    ...(spec.osVersion ? { osVersion: spec.osVersion } : {}),
    ...(spec.osFeatures ? { osFeatures: spec.osFeatures } : {}),
  };
  const blobs = new Map<Digest, Buffer>();
  const diffIds: Digest[] = [];
  const layerDigests: Digest[] = [];
  const layerDescriptors: Descriptor[] = [];
  for (const l of spec.layers) {
    const compression = l.compression ?? 'gzip';
    diffIds.push(sha256(l.tar));
    const bytes = l.rawBlob ?? (compression === 'gzip' ? gzip(l.tar) : l.tar);
    const digest = sha256(bytes);
    blobs.set(digest, bytes);
    layerDigests.push(digest);
    layerDescriptors.push({
      mediaType: l.mediaType ?? (compression === 'gzip' ? MEDIA_TYPES.layerGzip : MEDIA_TYPES.layerTar),
      digest,
      size: bytes.length,
      ...(l.annotations ? { annotations: l.annotations } : {}),
    });
  }
  const config: Record<string, unknown> = {
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.osVersion ? { 'os.version': platform.osVersion } : {}),
    ...(platform.osFeatures ? { 'os.features': platform.osFeatures } : {}),
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: spec.runtimeConfig ?? {},
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: spec.layers.map((l, i) => ({
      created,
      created_by: l.createdBy ?? `ctrimg-test: layer ${i + 1} of ${spec.repo}:${spec.tag}`,
    })),
    ...(spec.configOverrides ?? {}),
  };
  const configBytes = spec.rawConfig ?? canonicalJson(config);
  const configDigest = sha256(configBytes);
  blobs.set(configDigest, configBytes);
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: { mediaType: MEDIA_TYPES.config, digest: configDigest, size: configBytes.length },
    layers: layerDescriptors,
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
    ...(spec.manifestOverrides ?? {}),
  };
  const manifestBytes = canonicalJson(manifest);
  const manifestDigest = sha256(manifestBytes);
  blobs.set(manifestDigest, manifestBytes);
  return {
    manifestDigest,
    manifestBytes,
    manifest,
    configDigest,
    configBytes,
    config,
    layerDigests,
    diffIds,
    layerDescriptors,
    blobs,
    platform,
  };
}

function platformField(p: Platform): NonNullable<Descriptor['platform']> {
  return {
    architecture: p.architecture,
    os: p.os,
    ...(p.osVersion ? { 'os.version': p.osVersion } : {}),
    ...(p.osFeatures ? { 'os.features': p.osFeatures } : {}),
    ...(p.variant ? { variant: p.variant } : {}),
  };
}

/**
 * Writes an OCI image layout: `oci-layout`, `blobs/sha256/*` and an `index.json` whose single
 * entry (annotated `org.opencontainers.image.ref.name: <tag>`) is `top`.
 */
export async function writeLayout(dir: string, blobs: Map<Digest, Buffer>, top: Descriptor, tag: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  for (const [d, bytes] of blobs) await writeFile(join(dir, 'blobs', 'sha256', hexOf(d)), bytes);
  const index = {
    schemaVersion: 2,
    manifests: [{ ...top, annotations: { ...(top.annotations ?? {}), 'org.opencontainers.image.ref.name': tag } }],
  };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
}

// ---------------------------------------------------------------------------------------------
// push

export type Creds = string | { username: string; password: string };

export interface PublishOptions {
  /** `user:pass` or {username, password}, for registries with auth. */
  creds?: Creds;
  /** Keep the layout dir instead of deleting it (for debugging); its path is returned. */
  keepLayout?: boolean;
}

function credsArg(c: Creds): string {
  return typeof c === 'string' ? c : `${c.username}:${c.password}`;
}

/** `skopeo copy --preserve-digests` from an OCI layout to `docker://<host>/<repo>:<tag>` over plain http. */
export async function skopeoPush(layoutDir: string, tag: string, host: string, repo: string, opts: PublishOptions & { all?: boolean } = {}): Promise<void> {
  const args = ['copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false'];
  if (opts.all) args.push('--all');
  if (opts.creds) args.push('--dest-creds', credsArg(opts.creds));
  args.push(`oci:${layoutDir}:${tag}`, `docker://${host}/${repo}:${tag}`);
  await run('skopeo', args);
}

async function withLayoutDir<T>(keep: boolean | undefined, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ctrimg-oci-layout-'));
  try {
    return await fn(dir);
  } finally {
    if (!keep) await rm(dir, { recursive: true, force: true });
  }
}

/** Builds the image described by `spec` and pushes it to `host` (a plain-http registry, `host:port`). */
export async function publishImage(host: string, spec: ImageSpec, opts: PublishOptions = {}): Promise<PublishedImage> {
  const built = buildImage(spec);
  await withLayoutDir(opts.keepLayout, async (dir) => {
    await writeLayout(
      dir,
      built.blobs,
      { mediaType: MEDIA_TYPES.manifest, digest: built.manifestDigest, size: built.manifestBytes.length },
      spec.tag,
    );
    await skopeoPush(dir, spec.tag, host, spec.repo, opts);
  });
  return {
    ...built,
    repo: spec.repo,
    tag: spec.tag,
    reference: `${host}/${spec.repo}:${spec.tag}`,
    digestReference: `${host}/${spec.repo}@${built.manifestDigest}`,
  };
}

export interface IndexSpec {
  repo: string;
  tag: string;
  /** Each image's os/architecture/variant/osVersion become its platform in the index. Their
   * own repo/tag fields are ignored (they are pushed by digest into the index's repo). */
  images: ImageSpec[];
  /** Index annotations. */
  annotations?: Record<string, string>;
}

export interface PublishedIndex {
  repo: string;
  tag: string;
  reference: string;
  indexDigest: Digest;
  indexBytes: Buffer;
  index: Record<string, unknown>;
  /** In the order of spec.images; each `reference` is the index tag, `digestReference` is the image's own. */
  images: PublishedImage[];
}

/** Builds an OCI image index over the given images and pushes it all with `skopeo copy --all`. */
export async function publishIndex(host: string, spec: IndexSpec, opts: PublishOptions = {}): Promise<PublishedIndex> {
  const builtImages = spec.images.map((s) => buildImage(s));
  const index: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: builtImages.map((b) => ({
      mediaType: MEDIA_TYPES.manifest,
      digest: b.manifestDigest,
      size: b.manifestBytes.length,
      platform: platformField(b.platform),
    })),
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
  };
  const indexBytes = canonicalJson(index);
  const indexDigest = sha256(indexBytes);
  const blobs = new Map<Digest, Buffer>();
  for (const b of builtImages) for (const [d, bytes] of b.blobs) blobs.set(d, bytes);
  blobs.set(indexDigest, indexBytes);
  await withLayoutDir(opts.keepLayout, async (dir) => {
    await writeLayout(dir, blobs, { mediaType: MEDIA_TYPES.index, digest: indexDigest, size: indexBytes.length }, spec.tag);
    await skopeoPush(dir, spec.tag, host, spec.repo, { ...opts, all: true });
  });
  return {
    repo: spec.repo,
    tag: spec.tag,
    reference: `${host}/${spec.repo}:${spec.tag}`,
    indexDigest,
    indexBytes,
    index,
    images: builtImages.map((b) => ({
      ...b,
      repo: spec.repo,
      tag: spec.tag,
      reference: `${host}/${spec.repo}:${spec.tag}`,
      digestReference: `${host}/${spec.repo}@${b.manifestDigest}`,
    })),
  };
}

/** `skopeo inspect --raw` of a reference (`host/repo:tag` or `@digest`), as bytes. */
export async function skopeoInspectRaw(reference: string, creds?: Creds): Promise<Buffer> {
  const args = ['inspect', '--raw', '--tls-verify=false'];
  if (creds) args.push('--creds', credsArg(creds));
  args.push(`docker://${reference}`);
  return (await run('skopeo', args)).stdout;
}

/**
 * `skopeo copy` from a plain-http registry into an OCI layout directory, named `tag` there (the
 * `org.opencontainers.image.ref.name`): as it is (digests preserved), the whole index with
 * `all`, or with its layers recompressed (`compress`, which changes their digests).
 */
export async function skopeoToLayout(reference: string, dir: string, tag: string, opts: { all?: boolean; compress?: 'zstd' | 'gzip' } = {}): Promise<void> {
  const args = ['copy', '--quiet', '--src-tls-verify=false'];
  if (opts.all) args.push('--all');
  if (opts.compress) args.push('--dest-compress-format', opts.compress, '--dest-compress');
  else args.push('--preserve-digests');
  args.push(`docker://${reference}`, `oci:${dir}:${tag}`);
  await run('skopeo', args);
}

/**
 * Where images come from and where they go, in the spirit of go-containerregistry's v1.Image
 * and containerd's content interfaces: an ImageSource resolves a name to the manifest for a
 * platform and hands out its config and blobs; an ImageSink takes them in, each verified by
 * its digest before it counts. The registry (registry/source.ts), an OCI layout directory
 * (archive/oci-layout.ts) and the images installed in the content store
 * (content/installed-source.ts) are sources; the content store and an OCI layout writer
 * (archive/oci-layout-writer.ts) are sinks.
 */
import { pipeline, type Readable } from 'node:stream';
import { CtrimgError, failed, usage } from '../errors.js';
import { sha256, assertDigest, isDigest, type Digest } from './digest.js';
import { parseManifest, type Descriptor, type ImageManifest, type Manifest } from './manifest.js';
import { selectManifest, type Choice, type PlatformChoice } from './platform.js';
import type { Reference } from './reference.js';
import { VerifyStream } from './verify.js';

/**
 * A blob's bytes from `offset` on: the one way bytes are fetched, whatever serves them.
 *
 * The contract every source keeps: a stream from offset 0 is verified, it fails at EOF (before
 * it ends) with DIGEST_MISMATCH or SIZE_MISMATCH unless its bytes are exactly the descriptor's
 * digest and size, so a consumer that reads it whole, with no content store, never takes wrong
 * bytes for right ones. From an offset > 0 (a download resumed) the caller holds the bytes
 * before it and verifies the whole blob itself; a source may check that too (a layout hashes the
 * whole file on every read), but need not. A caller that hashes every byte of the blob itself
 * (a sink: the content store, a layout writer) says so with `callerVerifies`, and the source
 * serves the bytes unchecked: each byte is hashed once, by the one who commits it. `verifiedFetch`
 * gives any fetch this contract.
 *
 * `rejected`, when the fetch has it, is told that a whole blob it served failed that check, and
 * answers true when another server (a mirror's origin, a foreign layer's next URL) will serve it
 * again from the start.
 */
export type BlobFetch = ((offset: number, opts?: FetchOptions) => Promise<Readable>) & { rejected?: (failure: Error) => boolean };

export interface FetchOptions {
  /** The caller checks the whole blob's digest and size itself before it counts: the source need not. */
  callerVerifies?: boolean;
}

/**
 * `fetch` with the contract above: its stream from offset 0 passes through a VerifyStream for
 * `desc`, named `what` in the error, unless the caller verifies; from any other offset its bytes
 * pass as they are. `rejected` is kept.
 */
export function verifiedFetch(what: string, desc: Pick<Descriptor, 'digest' | 'size'>, fetch: BlobFetch): BlobFetch {
  const verified: BlobFetch = async (offset, opts) => {
    const bytes = await fetch(offset, opts);
    return offset > 0 || opts?.callerVerifies ? bytes : pipeline(bytes, new VerifyStream(what, desc.digest, desc.size), () => {});
  };
  const rejected = fetch.rejected;
  if (rejected) verified.rejected = (failure) => rejected(failure);
  return verified;
}

/** The most of a manifest or index, and of a config, any source reads whole. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/**
 * True when a fetch failed because the bytes it served are not the descriptor's (the check of
 * BlobFetch's contract), not because the transfer broke: what `rejected` is told of.
 */
export function isWrongBytes(err: unknown): err is CtrimgError {
  return err instanceof CtrimgError && !err.temporary && (err.code === 'DIGEST_MISMATCH' || err.code === 'SIZE_MISMATCH');
}

/**
 * What a source is asked for: a tag (a layout's ref name; a docker-save archive's `repo:tag`,
 * one of its RepoTags) and/or a digest; the digest wins. An archive also takes `position`, the
 * image's place (from 0) in the list it keeps (docker-save's manifest.json, a layout's index.json).
 */
export interface ImageName {
  tag?: string;
  digest?: Digest;
  position?: number;
}

/**
 * An image in an archive or a layout as a user names it: `@N` its position (from 0, as skopeo's
 * `docker-archive:FILE:@N`), `sha256:<hex>` its digest, anything else a tag (a layout's ref
 * name, a docker-save archive's `repo:tag`).
 */
export function parseImageName(text: string): ImageName {
  const position = /^@(\d{1,6})$/.exec(text);
  if (position) return { position: Number(position[1]) };
  if (isDigest(text)) return { digest: text };
  if (text === '') throw usage('an image name in an archive is empty');
  return { tag: text };
}

/** An image manifest chosen for a platform, with what install needs of it. */
export interface ResolvedImage {
  /** The name as messages show it: `host/repo:tag`, `oci:DIR:name@sha256:...`. */
  display: string;
  digest: Digest;
  bytes: Buffer;
  manifest: ImageManifest;
  /** The index's annotations (when resolved through one) overridden by the manifest's. */
  annotations: Record<string, string>;
  /** The index entry taken, when the name named an index. */
  chosen?: Choice;
  /**
   * What the source itself names the image by, when that is more than the name asked for (an
   * archive's only image, its RepoTags): the repository key, overriding the source's, and the tag.
   */
  repository?: string;
  tag?: string;
}

/** An image a file source holds: its place, and the names it carries (docker's RepoTags, a layout's ref name). */
export interface HeldImage {
  position: number;
  names: string[];
}

export interface ImageSource {
  /** The repository key the store records for images from here: `host/repo`. */
  readonly repository: string;
  /** The registry (host[:port]) a base image's name without a host is on; none for a layout. */
  readonly registry?: string;
  /** Checks the source is what it claims (a registry answers /v2/, a layout has a known version). */
  ready(): Promise<void>;
  /** What a layout or an archive holds, in order (docker load installs all of it); a registry lists none. */
  contents?(): Promise<HeldImage[]>;
  /** The image manifest `name` names for `platform`, through an index if it is one; notFound if there is none. */
  resolve(name: ImageName, platform: PlatformChoice): Promise<ResolvedImage>;
  /** The config blob of an image, verified and size-capped. */
  config(image: ResolvedImage): Promise<Buffer>;
  /** A blob's bytes, verified from offset 0 as BlobFetch says; resumed from an offset, the caller verifies the whole. */
  blob(desc: Descriptor, signal?: AbortSignal): BlobFetch;
  /**
   * The source for a base image named by an image from here, when it is this source's to serve
   * (the same registry; a digest this layout holds); undefined when it is not, and the caller
   * decides whether another source may serve it.
   */
  base(ref: Reference): Promise<ImageSource | undefined>;
}

/**
 * The place images are written to, blob by blob, each committed only once its digest checked.
 * A sink is written, then closed: close() is its finishing step, discard() its end without it (what a sink can write only
 * once it has everything, a tar archive's index and its end, is written there), and it takes no
 * write after it. A sink whose content is complete after every write (the content store, an
 * OCI layout directory) only lets go there of what it holds (the layout writer, its lock).
 */
export interface ImageSink {
  has(digest: Digest): Promise<boolean>;
  /** Writes a blob from `fetch` (a layer), committed once its bytes match `desc`'s digest and size. */
  writeBlob(desc: Descriptor, fetch: BlobFetch, signal?: AbortSignal): Promise<void>;
  /**
   * Writes a blob whose digest is known only once it has been read (a layer a commit makes, as
   * containerd ingests, then commits under the digest computed): hashed while written and
   * committed under that digest (by a rename, in the sinks on directories); its descriptor is returned.
   */
  writeStream(bytes: Readable, opts: { mediaType: string; signal?: AbortSignal }): Promise<Descriptor>;
  /** Writes a small blob held in memory (a config) after checking its digest and size. */
  writeConfig(desc: Descriptor, bytes: Buffer): Promise<void>;
  /** Writes a manifest (or index) after checking it; `name`, when given, is what it is found by afterwards. */
  writeManifest(desc: Descriptor, bytes: Buffer, name?: string): Promise<void>;
  /** Finishes the sink (see above); once, after the last write. */
  close(): Promise<void>;
  /**
   * Lets go of the sink without finishing it, after a write failed: an archive not finished is
   * removed (never left under its name); what a directory holds stays, each write in it complete.
   */
  discard(): Promise<void>;
}

/** The descriptor of the manifest an image resolved to, as a sink takes it. */
export function manifestDescriptor(image: ResolvedImage): Descriptor {
  return { mediaType: image.manifest.mediaType, digest: image.digest, size: image.bytes.length };
}

/** How a source names an image for messages: its location, then `:tag` and `@digest` as given. */
export function imageDisplay(location: string, name: ImageName): string {
  return `${location}${name.tag !== undefined ? `:${name.tag}` : ''}${name.digest ? `@${name.digest}` : ''}`;
}

/** A manifest's bytes as a source serves them; the media type as the source labels it. */
export interface ManifestBytes {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

/**
 * The resolution both sources share: `top` is the manifest or index the name named; an index
 * is narrowed to the platform's entry (platform.ts selectManifest), fetched by digest with
 * `byDigest`, and must then be an image manifest. Annotations of the index and the manifest
 * are merged, the manifest's winning.
 */
export async function selectImage(
  top: ManifestBytes,
  byDigest: (digest: Digest) => Promise<ManifestBytes>,
  platform: PlatformChoice,
  display: string,
): Promise<ResolvedImage> {
  let taken = top;
  let parsed: Manifest = parseManifest(top.bytes, top.mediaType);
  const indexAnnotations = parsed.kind === 'index' ? parsed.annotations : {};
  let chosen: Choice | undefined;
  if (parsed.kind === 'index') {
    chosen = selectManifest(parsed.manifests, platform, display);
    taken = await byDigest(chosen.entry.digest);
    parsed = parseManifest(taken.bytes, taken.mediaType);
    if (parsed.kind === 'index') throw failed(`${display}: index entry ${chosen.entry.digest} is itself an index`, { code: 'MANIFEST_INVALID' });
  }
  const annotations = { ...indexAnnotations, ...parsed.annotations };
  return { display, digest: taken.digest, bytes: taken.bytes, manifest: parsed, annotations, ...(chosen && { chosen }) };
}

/** Checks bytes read whole against the descriptor that named them (size first, then digest). */
export function checkBlob(what: string, desc: Pick<Descriptor, 'digest' | 'size'>, bytes: Buffer): void {
  if (bytes.length !== desc.size) throw failed(`${what}: expected ${desc.size} bytes, received ${bytes.length}`, { code: 'SIZE_MISMATCH' });
  assertDigest(what, desc.digest, sha256(bytes));
}

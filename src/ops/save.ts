/**
 * Saving an image for a host with no registry access: an installed image read back from the
 * content store (content/installed-source.ts), or an image on the registries resolved as install
 * resolves it (install.ts registryImage) but not installed, written through an ImageSink: an OCI
 * archive, a docker-save archive, or an OCI layout directory (src/archive). Every blob is
 * verified as it is read and again as the sink commits it; the manifest is written last, so the
 * sink names the image only once all it needs is there, and an archive is renamed into place
 * only when it is whole: a save that fails leaves no archive (a layout keeps what it finished).
 */
import { stat } from 'node:fs/promises';
import { DockerArchiveWriter } from '../archive/docker-archive-writer.js';
import { OciArchiveWriter } from '../archive/oci-archive-writer.js';
import { OciLayoutWriter } from '../archive/oci-layout-writer.js';
import { InstalledSource } from '../content/installed-source.js';
import { usage } from '../errors.js';
import type { Digest } from '../image/digest.js';
import { parsePlatform, type Platform, type PlatformChoice } from '../image/platform.js';
import { parseReference } from '../image/reference.js';
import { manifestDescriptor, type ImageSink, type ImageSource, type ResolvedImage } from '../image/source.js';
import type { ImageRecord } from '../../store/index.js';
import type { OpsContext } from './context.js';
import { dockerImageEntries, resolveDockerImage } from './docker-views.js';
import { readHostPlatform } from './host.js';
import { describeSelector, selectImages, type ImageSelector } from './images.js';
import { describeRegistryRequest, registryImage, type RegistryRequest } from './install.js';
import { withLease } from './lease-scope.js';

/** An OCI archive (a tar of a layout, as skopeo's oci-archive), or a docker-save archive. */
export type ArchiveFormat = 'oci' | 'docker';

/** The image a save request names, for a question or a what-if line. */
export function describeSaveRequest(image: SaveRequest['image']): string {
  return image.by === 'installed' ? image.selectors.map(describeSelector).join(', ') : describeRegistryRequest(image);
}

export interface SaveRequest {
  /** An installed image (as objects piped in select it: exactly one), or an image on the registries. */
  image: { by: 'installed'; selectors: ImageSelector[] } | RegistryRequest;
  /** The archive file; or, when it is a directory, the OCI image layout to add the image to. */
  path: string;
  /** Of the file (default oci); a directory is always an OCI layout. */
  format?: ArchiveFormat;
  /** Replace a file already at `path`. */
  force?: boolean;
  /** Of an image on the registries: the platform to choose from an index (default this host's). */
  platform?: Platform;
}

export interface Saved {
  /** What the image was written as: the installed image's record, or the registry's name for it. */
  image: ImageRecord | { display: string };
  /** The file or directory written. */
  path: string;
  format: ArchiveFormat | 'layout';
  /** The name it was written under (the ref name; docker's RepoTag), if any. */
  name?: string;
  manifestDigest: Digest;
}

/**
 * Writes one image to an archive or a layout. An installed image is read under the install
 * lease, so no removal deletes a blob of it while it is copied; one whose layer blobs were
 * deleted once imported fails with BLOB_NOT_STORED before its manifest is written. An image on
 * the registries touches no store at all.
 */
export async function saveImage(ctx: OpsContext, req: SaveRequest): Promise<Saved> {
  const format = await formatFor(req);
  if (req.image.by === 'installed') {
    const { selectors } = req.image;
    return withLease(ctx, 'install', async () => {
      const images = selectImages(ctx, selectors);
      if (images.length !== 1) throw usage(`${images.length} installed images are selected; an archive is saved from one`, { code: 'NAME_AMBIGUOUS' });
      const image = images[0]!;
      const source = new InstalledSource(ctx.content, image.repository);
      const resolved = await source.resolve({ digest: image.manifestDigest as Digest }, { host: parsePlatform(image.platform) });
      // An image without a tag (one its tag moved away from) is saved without a name where the
      // format has that (docker's RepoTags), so that loading it back takes no tag from another
      // image; an OCI index lists an image only by a ref name: its version, else `latest`.
      const tag = image.tag ?? (format === 'docker' ? undefined : (image.version ?? 'latest'));
      const written = await write(ctx, source, resolved, { path: req.path, format, force: req.force }, image.repository, tag);
      return { ...written, image };
    });
  }
  const target = await registryImage(ctx, req.image);
  await target.source.ready();
  const platform: PlatformChoice = { host: readHostPlatform(), ...(req.platform && { asked: req.platform }) };
  const resolved = await target.source.resolve(target.name, platform);
  const written = await write(ctx, target.source, resolved, { path: req.path, format, force: req.force }, target.source.repository, target.name.tag);
  return { ...written, image: { display: resolved.display } };
}

/** The image into the sink `req` asks for, named by its tag (oci) or `repository:tag` (docker). */
async function write(
  ctx: OpsContext,
  source: ImageSource,
  image: ResolvedImage,
  req: { path: string; format: ArchiveFormat | 'layout'; force?: boolean },
  repository: string,
  tag: string | undefined,
): Promise<Omit<Saved, 'image'>> {
  let name: string | undefined;
  let sink: ImageSink;
  if (req.format === 'docker') {
    name = tag === undefined ? undefined : dockerName(`${repository}:${tag}`);
    if (name === undefined) ctx.report.warn(`${image.display} is saved untagged: '${repository}:${tag ?? ''}' is not a name and tag docker reads`);
    sink = await DockerArchiveWriter.create(req.path, { overwrite: req.force });
  } else {
    name = tag ?? 'latest';
    sink = req.format === 'layout' ? await OciLayoutWriter.create(req.path) : await OciArchiveWriter.create(req.path, { overwrite: req.force });
  }
  try {
    await copyImage(source, image, sink, name, ctx.signal);
  } catch (err) {
    await sink.discard();
    throw err;
  }
  await sink.close();
  return { path: req.path, format: req.format, ...(name !== undefined && { name }), manifestDigest: image.digest };
}

/** A directory there is a layout, which only the OCI format has; anything else is a file of the format asked for. */
async function formatFor(req: SaveRequest): Promise<ArchiveFormat | 'layout'> {
  const isDir = (await stat(req.path).catch(() => undefined))?.isDirectory() ?? false;
  if (!isDir) return req.format ?? 'oci';
  if (req.format === 'docker') throw usage(`${req.path} is a directory; a docker-save archive is a file`, { hint: 'give the path of the archive file to write' });
  return 'layout';
}

/** `repository:tag` when docker reads it as one (a name without a host is Docker Hub's), else undefined. */
function dockerName(name: string): string | undefined {
  try {
    parseReference(name, 'docker.io');
    return name;
  } catch {
    return undefined;
  }
}

/** An image's layers, config and then manifest from a source into a sink, the manifest named `name` there. */
export async function copyImage(source: ImageSource, image: ResolvedImage, sink: ImageSink, name: string | undefined, signal?: AbortSignal): Promise<void> {
  for (const layer of image.manifest.layers) await sink.writeBlob(layer, source.blob(layer, signal), signal);
  await sink.writeConfig(image.manifest.config, await source.config(image));
  await sink.writeManifest(manifestDescriptor(image), image.bytes, name);
}

/**
 * `docker save -o FILE IMAGE...`: the installed images the arguments name (as `images` and
 * `rmi` read them: `repo:tag`, `repo@digest`, an id) in one docker-save archive. An image named
 * by a tag is saved under it (its RepoTags); by digest or id, without a name, as docker saves it.
 */
export async function saveDockerArchive(ctx: OpsContext, req: { images: readonly string[]; path: string; force?: boolean }): Promise<void> {
  await withLease(ctx, 'install', async () => {
    const entries = await dockerImageEntries(ctx);
    const chosen = req.images.map((argument) => {
      const named = resolveDockerImage(entries, argument);
      const byTag = named.reference?.row.tag ? named.reference : undefined;
      return { image: (byTag ?? named.entries[0]!).image, name: byTag ? `${byTag.row.repository}:${byTag.row.tag}` : undefined };
    });
    const sink = await DockerArchiveWriter.create(req.path, { overwrite: req.force });
    try {
      for (const { image, name } of chosen) {
        const source = new InstalledSource(ctx.content, image.repository);
        const resolved = await source.resolve({ digest: image.manifestDigest as Digest }, { host: parsePlatform(image.platform) });
        await copyImage(source, resolved, sink, name, ctx.signal);
      }
    } catch (err) {
      await sink.discard();
      throw err;
    }
    await sink.close();
  });
}

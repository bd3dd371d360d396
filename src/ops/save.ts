/**
 * Saving images for a host with no registry access: installed images read back from the
 * content store (content/installed-source.ts), or images on the registries resolved as install
 * resolves them (install.ts registryImage) but not installed, written through one ImageSink: an
 * OCI archive, a docker-save archive, or an OCI layout directory (src/archive). Every blob is
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
import { describeImage, describeSelector, selectImages, type ImageSelector } from './images.js';
import { describeRegistryRequest, registryImage, type RegistryRequest } from './install.js';
import { withLease } from './lease-scope.js';

/** An OCI archive (a tar of a layout, as skopeo's oci-archive), or a docker-save archive. */
export type ArchiveFormat = 'oci' | 'docker';

/** One image to save: an installed one (as an object piped in selects it), or one on the registries. */
export type SaveItem = { by: 'installed'; selector: ImageSelector } | RegistryRequest;

/** The image a save item names, for a question or a what-if line. */
export function describeSaveItem(item: SaveItem): string {
  return item.by === 'installed' ? describeSelector(item.selector) : describeRegistryRequest(item);
}

export interface SaveRequest {
  /** The images, in order; several go into the one archive or layout (each format names each image). */
  images: SaveItem[];
  /** The archive file; or, when it is a directory, the OCI image layout to add the images to. */
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

/** An image to save, resolved: where its blobs come from and the name it gets in the sink. */
interface Chosen {
  source: ImageSource;
  resolved: ResolvedImage;
  image: Saved['image'];
  name: string | undefined;
}

/**
 * Writes images to one archive or layout. Every image is resolved, and the names they get
 * checked, before the sink is opened: an image not found, or two images the format would give
 * one name, write nothing. Installed images are read under the install lease, so no removal
 * deletes a blob of them while they are copied; one whose layer blobs were deleted once imported
 * fails with BLOB_NOT_STORED before its manifest is written. Images on the registries touch no store.
 */
export async function saveImages(ctx: OpsContext, req: SaveRequest): Promise<Saved[]> {
  // Nothing piped in: no archive either.
  if (req.images.length === 0) return [];
  const format = await formatFor(req);
  const save = async () => {
    const chosen: Chosen[] = [];
    for (const item of req.images) {
      const c = await choose(ctx, item, format, req.platform);
      // The same image piped twice is written once.
      if (!chosen.some((o) => o.resolved.digest === c.resolved.digest && o.name === c.name)) chosen.push(c);
    }
    checkNames(chosen, format);
    await write(ctx, chosen, { path: req.path, format, force: req.force });
    return chosen.map((c): Saved => ({ image: c.image, path: req.path, format, ...(c.name !== undefined && { name: c.name }), manifestDigest: c.resolved.digest }));
  };
  return req.images.some((i) => i.by === 'installed') ? withLease(ctx, 'install', save) : save();
}

async function choose(ctx: OpsContext, item: SaveItem, format: ArchiveFormat | 'layout', asked?: Platform): Promise<Chosen> {
  if (item.by === 'installed') {
    const images = selectImages(ctx, [item.selector]);
    if (images.length !== 1) throw usage(`${images.length} installed images are selected by one object; each is saved from one`, { code: 'NAME_AMBIGUOUS' });
    const image = images[0]!;
    const source = new InstalledSource(ctx.content, image.repository);
    const resolved = await source.resolve({ digest: image.manifestDigest as Digest }, { host: parsePlatform(image.platform) });
    // An image without a tag (one its tag moved away from) is saved without a name where the
    // format has that (docker's RepoTags), so that loading it back takes no tag from another
    // image; an OCI index lists an image only by a ref name: its version, else `latest`.
    const tag = image.tag ?? (format === 'docker' ? undefined : (image.version ?? 'latest'));
    return { source, resolved, image, name: nameIn(ctx, format, resolved, image.repository, tag) };
  }
  const target = await registryImage(ctx, item);
  await target.source.ready();
  const platform: PlatformChoice = { host: readHostPlatform(), ...(asked && { asked }) };
  const resolved = await target.source.resolve(target.name, platform);
  return { source: target.source, resolved, image: { display: resolved.display }, name: nameIn(ctx, format, resolved, target.source.repository, target.name.tag) };
}

/** The name an image is written under: its tag (oci), or `repository:tag` (docker) when docker reads that. */
function nameIn(ctx: OpsContext, format: ArchiveFormat | 'layout', image: ResolvedImage, repository: string, tag: string | undefined): string | undefined {
  if (format !== 'docker') return tag ?? 'latest';
  const name = tag === undefined ? undefined : dockerName(`${repository}:${tag}`);
  if (name === undefined) ctx.report.warn(`${image.display} is saved untagged: '${repository}:${tag ?? ''}' is not a name and tag docker reads`);
  return name;
}

/**
 * Refuses two images the sink would give one name: an OCI index names an image by its tag only
 * (so 1.0 of two repositories collide), a docker archive by repository:tag.
 */
function checkNames(chosen: Chosen[], format: ArchiveFormat | 'layout'): void {
  const named = new Map<string, Chosen>();
  for (const c of chosen) {
    if (c.name === undefined) continue;
    const other = named.get(c.name);
    if (other && other.resolved.digest !== c.resolved.digest) {
      const [a, b] = [other, c].map((x) => ('display' in x.image ? x.image.display : describeImage(x.image)));
      throw usage(`${a} and ${b} would both be named '${c.name}' in the ${format === 'docker' ? 'docker archive' : 'OCI index'}, which names each image once`, {
        code: 'NAME_AMBIGUOUS',
        hint: format === 'docker' ? 'save them into separate archives' : 'save them in the docker format, which names each by repository:tag, or into separate archives',
      });
    }
    named.set(c.name, c);
  }
}

/** The images into the sink the format asks for, each named as chosen; an archive that fails is not left behind. */
async function write(ctx: OpsContext, chosen: Chosen[], req: { path: string; format: ArchiveFormat | 'layout'; force?: boolean }): Promise<void> {
  const sink: ImageSink =
    req.format === 'docker'
      ? await DockerArchiveWriter.create(req.path, { overwrite: req.force })
      : req.format === 'layout'
        ? await OciLayoutWriter.create(req.path)
        : await OciArchiveWriter.create(req.path, { overwrite: req.force });
  try {
    for (const c of chosen) await copyImage(c.source, c.resolved, sink, c.name, ctx.signal);
  } catch (err) {
    await sink.discard();
    throw err;
  }
  await sink.close();
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

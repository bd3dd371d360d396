/**
 * Saving an installed image: read back from the content store (content/installed-source.ts)
 * and written through an ImageSink, an OCI layout directory for now (archive/oci-layout-writer.ts),
 * OCI and docker-save archives later over the same copy. Every blob is verified as it is read
 * and again as the sink commits it; the manifest is written last, so the layout names the image
 * only once all it needs is there.
 */
import { OciLayoutWriter } from '../archive/oci-layout-writer.js';
import { InstalledSource } from '../content/installed-source.js';
import { notFound } from '../errors.js';
import type { Digest } from '../image/digest.js';
import { parsePlatform } from '../image/platform.js';
import { manifestDescriptor, type ImageSink, type ImageSource, type ResolvedImage } from '../image/source.js';
import type { ImageRecord } from '../../store/index.js';
import type { OpsContext } from './context.js';
import { withLease } from './lease-scope.js';

export interface SaveToLayoutRequest {
  /** The installed image (its id, as listings give it). */
  image: { id: number };
  /** The OCI image layout directory, made when missing; an existing layout is added to. */
  path: string;
  /** What the image is found by in the layout (`org.opencontainers.image.ref.name`); default its tag, else its version, else `latest`. */
  name?: string;
}

export interface Saved {
  image: ImageRecord;
  /** The name it was written under. */
  name: string;
  manifestDigest: Digest;
}

/**
 * Writes an installed image into an OCI layout directory. Holds the install lease, so no
 * removal deletes a blob of it while it is copied. An image whose layer blobs were deleted once
 * imported fails with BLOB_NOT_STORED, before its manifest is written: the layout then names
 * nothing new.
 */
export async function saveToLayout(ctx: OpsContext, req: SaveToLayoutRequest): Promise<Saved> {
  return withLease(ctx, 'install', async () => {
    const image = ctx.store.images.byId(req.image.id);
    if (!image) throw notFound(`no installed image has the id ${req.image.id}`, { code: 'IMAGE_NOT_FOUND' });
    const source = new InstalledSource(ctx.content, image.repository);
    const manifestDigest = image.manifestDigest as Digest;
    const resolved = await source.resolve({ digest: manifestDigest }, { host: parsePlatform(image.platform) });
    const name = req.name ?? image.tag ?? image.version ?? 'latest';
    const sink = await OciLayoutWriter.create(req.path);
    try {
      await copyImage(source, resolved, sink, name, ctx.signal);
    } finally {
      await sink.close();
    }
    return { image, name, manifestDigest };
  });
}

/** An image's layers, config and then manifest from a source into a sink, the manifest named `name` there. */
export async function copyImage(source: ImageSource, image: ResolvedImage, sink: ImageSink, name: string, signal?: AbortSignal): Promise<void> {
  for (const layer of image.manifest.layers) await sink.writeBlob(layer, source.blob(layer, signal), signal);
  await sink.writeConfig(image.manifest.config, await source.config(image));
  await sink.writeManifest(manifestDescriptor(image), image.bytes, name);
}

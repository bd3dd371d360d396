/**
 * Committing a container as a new image (New-ContainerImage, `ctrimg commit`). The importer
 * exports what the container changed over its image as a layer tar (importers/types.ts); that tar
 * is gzipped into the content store as it is made, its diff id and blob digest hashed on the
 * way, so no layer is ever held whole. Then a config (the image's, with the new diff id, a
 * history entry and the commit's time) and an OCI manifest are stored as blobs, the new layer is
 * imported from its blob as any installed layer is (pull-layers.ts, which locks, stages and takes
 * it back on failure), and the image recorded in one transaction. Its ParentImage is the
 * container's image: its chain is that image's plus one layer (lineage.ts).
 *
 * Refused before anything is written: a container that is missing or not Off, a bad name or
 * publisher, a name and version already installed (unless `force`, and then only when nothing
 * depends on the old image, which goes once the new one is recorded); refused once the tar's
 * first block is read: a container with no change.
 */
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { InstalledSource } from '../content/installed-source.js';
import { dependent, failed, usage } from '../errors.js';
import { chainIds } from '../image/chain.js';
import { sha256, Sha256, type Digest } from '../image/digest.js';
import { parseManifest, type Descriptor } from '../image/manifest.js';
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_LAYER_OF_DOCKER, OCI_MANIFEST } from '../image/mediatypes.js';
import { versionsEqual, tryParseVersion, type Version } from '../image/version.js';
import { BLOCK } from '../layers/tar/writer.js';
import type { ImageRecord } from '../../store/index.js';
import { selectContainers, type ContainerSelector, type ContainerView } from './containers.js';
import type { OpsContext } from './context.js';
import { describeImage, lineageOf, type InstalledImage } from './images.js';
import { deleteUnreferencedBlobs } from './gc.js';
import { withLease } from './lease-scope.js';
import { LayerPull } from './pull-layers.js';
import { describeDependents, removeImages } from './remove.js';

export interface CommitRequest {
  container: ContainerSelector;
  name: string;
  /** Shown as `CN=<publisher>`; given with or without `CN=`. */
  publisher?: string;
  version?: Version;
  /** Replace an installed image of the same name and version, if nothing depends on it. */
  force?: boolean;
  /** The repository key the image is recorded under; default the name in lower case. */
  repository?: string;
  /** The tag recorded; default the version's text. */
  tag?: string;
  /** What the history entry says made the layer. */
  createdBy: string;
  /** The history entry's comment (docker commit -m); default 'ctrimg commit'. */
  comment?: string;
  /** The image's author (docker commit -a), recorded in its config. */
  author?: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const PUBLISHER_RE = /^[A-Za-z0-9][A-Za-z0-9 _.-]*$/;
const TITLE = 'org.opencontainers.image.title';
const VENDOR = 'org.opencontainers.image.vendor';
const VERSION = 'org.opencontainers.image.version';

export async function commitContainer(ctx: OpsContext, req: CommitRequest): Promise<InstalledImage> {
  if (!NAME_RE.test(req.name)) {
    throw usage(`image name '${req.name}' is not valid: use letters, digits, '_', '.', '-', starting with a letter or digit`, { code: 'IMAGE_NAME_INVALID' });
  }
  const publisher = req.publisher?.replace(/^CN=/i, '');
  if (publisher !== undefined && !PUBLISHER_RE.test(publisher)) {
    throw usage(`publisher '${req.publisher}' is not valid: use letters, digits, spaces, '_', '.', '-', with or without CN=`, { code: 'PUBLISHER_INVALID' });
  }
  await ctx.importer.ensureReady();
  return withLease(ctx, 'install', () => commit(ctx, { ...req, publisher }));
}

async function commit(ctx: OpsContext, req: CommitRequest): Promise<InstalledImage> {
  const [view] = selectContainers(ctx, [req.container]);
  const { container, image } = view!;
  if (container.state !== 'Off') {
    throw failed(`container '${container.name}' is ${container.state}: only a container that is Off can be committed`, {
      code: 'CONTAINER_NOT_OFF',
      hint: 'stop the container, then commit it',
    });
  }
  const replaced = replacedImage(ctx, req);
  const layers = ctx.store.layers.ofImage(image.id);
  const layerPaths = layers.map((l) => ctx.layerPath(l.chainId as Digest)).reverse();
  const tar = await changesOf(ctx, view!, layerPaths);
  const label = req.version ? `${req.name} ${req.version.text}` : req.name;
  ctx.report.info(`Committing container ${container.name} (from ${describeImage(image)}) as ${label}`);
  const diff = new Sha256();
  const written: Digest[] = [];
  let pull: LayerPull | undefined;
  try {
    const blob = await ctx.content.writeStream(gzipped(tar, diff), { mediaType: OCI_LAYER_GZIP, signal: ctx.signal });
    written.push(blob.digest);
    const diffId = diff.digest();
    const created = ctx.now().toISOString();
    const diffIds = [...layers.map((l) => l.diffId as Digest), diffId];
    const chains = chainIds(diffIds);

    const configBytes = Buffer.from(JSON.stringify(newConfig(JSON.parse((await ctx.content.read(image.configDigest as Digest)).toString('utf8')), diffId, created, req)));
    const config: Descriptor = { mediaType: OCI_CONFIG, digest: sha256(configBytes), size: configBytes.length };
    await ctx.content.writeConfig(config, configBytes);
    written.push(config.digest);
    const layerDescs: Descriptor[] = [...(await imageLayers(ctx, image)), blob];
    const annotations = {
      [TITLE]: req.name,
      ...(req.publisher && { [VENDOR]: req.publisher }),
      ...(req.version && { [VERSION]: req.version.text }),
    };
    const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: layerDescs, annotations }));
    const manifest: Descriptor = { mediaType: OCI_MANIFEST, digest: sha256(manifestBytes), size: manifestBytes.length };
    await ctx.content.writeManifest(manifest, manifestBytes);
    written.push(manifest.digest);

    const repository = req.repository ?? req.name.toLowerCase();
    pull = new LayerPull(ctx, new InstalledSource(ctx.content, repository), { concurrency: 1, dropLayerBlobs: false });
    const { contentBytes } = await pull.run(layerDescs.map((desc, i) => ({ desc, diffId: diffIds[i]!, chainId: chains[i]! })));
    const record = ctx.store.transaction(() => {
      // Another commit may have taken the name meanwhile.
      const again = sameNameAndVersion(ctx, req).filter((img) => img.id !== replaced?.id);
      if (again.length > 0) throw exists(again[0]!);
      const layerIds = layerDescs.map(
        (desc, i) => ctx.store.layers.ensure({
          chainId: chains[i]!,
          diffId: diffIds[i]!,
          blobDigest: desc.digest,
          mediaType: desc.mediaType,
          size: desc.size,
          contentBytes: contentBytes.get(chains[i]!) ?? null,
        }).id,
      );
      return ctx.store.images.add(
        {
          name: req.name,
          publisher: req.publisher ?? null,
          version: req.version?.text ?? null,
          description: null,
          repository,
          tag: req.tag ?? req.version?.text ?? null,
          manifestDigest: manifest.digest,
          configDigest: config.digest,
          platform: image.platform,
          size: layerDescs.reduce((n, l) => n + l.size, 0),
          created,
          installed: created,
          sourceId: null,
          pulled: false,
        },
        layerIds,
      );
    });
    await pull.committed();
    if (replaced) {
      // Checked free of dependents above, but a container may have been made from it since: the
      // commit stands, and the old image stays while it is used.
      const removal = await removeImages(ctx, [replaced]);
      const refused = removal.refused[0];
      if (refused) ctx.report.warn(`kept '${describeImage(replaced)}': it is now used by ${describeDependents(refused)}`);
      else ctx.report.info(`Replaced ${describeImage(replaced)}`);
    }
    return lineageOf(ctx, [record])[0]!;
  } catch (err) {
    tar.destroy();
    await pull?.undo(err);
    await deleteUnreferencedBlobs(ctx, written);
    throw err;
  }
}

/** The image a forced commit replaces, checked free of dependents; an existing one without force is refused. */
function replacedImage(ctx: OpsContext, req: CommitRequest): ImageRecord | undefined {
  const [old] = sameNameAndVersion(ctx, req);
  if (!old) return undefined;
  if (!req.force) throw exists(old);
  const deps = ctx.store.lineage.dependents(old.id);
  if (deps.containers.length + deps.children.length > 0) {
    throw dependent(`cannot replace '${describeImage(old)}': it is used by ${describeDependents(deps)}`, {
      code: 'IMAGE_IN_USE',
      hint: 'remove the dependent containers and child images first, or commit under another name or version',
    });
  }
  return old;
}

function sameNameAndVersion(ctx: OpsContext, req: CommitRequest): ImageRecord[] {
  return ctx.store.images.all().filter((img) => {
    if (img.name.toLowerCase() !== req.name.toLowerCase()) return false;
    const v = img.version === null ? undefined : tryParseVersion(img.version);
    return req.version && v ? versionsEqual(v, req.version) : req.version === undefined && v === undefined;
  });
}

/** New-ContainerImage's hint adds its way to force a replacement. */
const exists = (img: ImageRecord) => usage(`an image '${describeImage(img)}' is installed already`, { code: 'IMAGE_EXISTS', hint: 'give another name or version' });

/**
 * The container's changes as a tar stream, once its first block shows an entry: a tar whose
 * first block is zeros (or that is empty) has none, and the container is refused as unchanged.
 */
async function changesOf(ctx: OpsContext, view: ContainerView, layerPaths: string[]): Promise<Readable> {
  const tar = await ctx.importer.exportContainer(view.path, layerPaths);
  const head: Buffer[] = [];
  let size = 0;
  // Not destroyed on leaving the loop: the rest is read on.
  for await (const chunk of tar.iterator({ destroyOnReturn: false })) {
    head.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= BLOCK) break;
  }
  const first = Buffer.concat(head);
  if (first.subarray(0, BLOCK).every((b) => b === 0)) {
    tar.destroy();
    throw failed(`container '${view.container.name}' holds no change over ${describeImage(view.image)}: there is nothing to commit`, {
      code: 'CONTAINER_UNCHANGED',
      hint: 'change the container first, or create containers from the image itself',
    });
  }
  return Readable.from(rest(first, tar), { objectMode: false });
}

async function* rest(first: Buffer, tar: Readable): AsyncGenerator<Buffer> {
  yield first;
  yield* tar;
}

/** The tar gzipped, hashed into `diff` on its way; a failure of the tar fails the gzip stream. */
function gzipped(tar: Readable, diff: Sha256): Readable {
  const gzip = createGzip();
  tar.on('error', (err) => gzip.destroy(err));
  tar.on('data', (chunk: Buffer) => diff.update(chunk));
  tar.pipe(gzip);
  return gzip;
}

/**
 * The image's layer descriptors as its stored manifest gives them (a foreign layer keeps its
 * urls), Docker's layer media types named as the OCI types of the same formats.
 */
async function imageLayers(ctx: OpsContext, image: ImageRecord): Promise<Descriptor[]> {
  const manifest = parseManifest(await ctx.content.read(image.manifestDigest as Digest));
  if (manifest.kind !== 'manifest') throw failed(`the stored manifest of ${describeImage(image)} is an index, not an image manifest`, { code: 'MANIFEST_INVALID' });
  return manifest.layers.map((d) => ({ ...d, mediaType: OCI_LAYER_OF_DOCKER[d.mediaType] ?? d.mediaType }));
}

/** The image's config carried over, with the new layer's diff id, a history entry for it and the commit's time. */
function newConfig(base: Record<string, unknown>, diffId: Digest, created: string, req: Pick<CommitRequest, 'createdBy' | 'comment' | 'author'>): Record<string, unknown> {
  const rootfs = (base.rootfs ?? {}) as { diff_ids?: string[] };
  const history = Array.isArray(base.history) ? base.history : [];
  const author = req.author === undefined ? base.author : req.author;
  return {
    ...base,
    created,
    ...(author !== undefined && { author }),
    rootfs: { type: 'layers', diff_ids: [...(rootfs.diff_ids ?? []), diffId] },
    history: [...history, { created, ...(req.author !== undefined && { author: req.author }), created_by: req.createdBy, comment: req.comment ?? 'ctrimg commit' }],
  };
}

/**
 * docker's `REPOSITORY[:TAG]` as a commit names its image: the name is the repository's last
 * component (as an install names an image), the version the tag when it is a version (`1.0`,
 * `v2.1.0`), else none (`latest`, `dev`), the tag being recorded either way.
 */
export function commitTarget(text: string): Pick<CommitRequest, 'name' | 'repository' | 'tag' | 'version'> {
  const m = /^([a-z0-9]+(?:[._-]+[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?$/.exec(text);
  if (!m) {
    throw usage(`'${text}' is not REPOSITORY[:TAG]: a lower-case repository path, then optionally ':' and a tag`, { code: 'IMAGE_NAME_INVALID' });
  }
  const repository = m[1]!;
  const tag = m[2];
  const version = tag === undefined ? undefined : tryParseVersion(tag);
  return { name: repository.split('/').at(-1)!, repository, ...(tag !== undefined && { tag }), ...(version && { version }) };
}

/**
 * Installing an image. Resolves a name (through the sources), a reference, or an image in an
 * OCI layout directory, an OCI archive or a docker-save archive to a manifest for the wanted
 * platform, all over the ImageSource
 * interface (image/source.ts), installs the base the manifest names first when it is missing,
 * then streams the layers not yet recorded into the store (pull-layers.ts: download and
 * import in one pass, several layers at a time). The image is recorded, with its layers, in
 * one transaction at the very end: until then no listing of the store shows it, and a failure
 * removes whatever this attempt added.
 */
import { failed, isAbort, notFound, usage } from '../errors.js';
import { openImagePath } from '../archive/open-path.js';
import { chainIds } from '../image/chain.js';
import type { Digest } from '../image/digest.js';
import { parseImageConfig } from '../image/manifest.js';
import { checkRunsOn, configPlatform, formatPlatform, type Platform, type PlatformChoice } from '../image/platform.js';
import { formatReference, isTag, parseReference, type Reference } from '../image/reference.js';
import { manifestDescriptor, type ImageName, type ImageSource } from '../image/source.js';
import { compareVersions, formatVersionRange, tryParseVersion, versionFilter, type VersionFilter } from '../image/version.js';
import type { RegistryClient } from '../registry/client.js';
import { RegistrySource } from '../registry/source.js';
import type { ImageRecord, SourceRecord } from '../../store/index.js';
import type { OpsContext } from './context.js';
import { DESCRIPTION, findImages, TITLE } from './find.js';
import { readHostPlatform } from './host.js';
import { describeImage } from './images.js';
import { MAX_CONCURRENT_DOWNLOADS } from './install-limits.js';
import { withLease } from './lease-scope.js';
import { removeImages } from './remove.js';
import { LayerPull } from './pull-layers.js';

const VENDOR = 'org.opencontainers.image.vendor';
const VERSION = 'org.opencontainers.image.version';
const BASE_NAME = 'org.opencontainers.image.base.name';
const BASE_DIGEST = 'org.opencontainers.image.base.digest';
/** Bases naming bases: deeper than this is a loop or a mistake. */
const MAX_BASE_DEPTH = 8;
const DEFAULT_CONCURRENT_DOWNLOADS = 3;

export interface InstallOptions {
  /** The platform asked for (containerd's platforms.Only); absent, this host's (platforms.Default). */
  platform?: Platform;
  whatIf?: boolean;
  /** Layers downloaded and imported at once (default 3). */
  maxConcurrentDownloads?: number;
  /** Delete the compressed layer blobs once imported (they are kept by default, for Save and re-import). */
  dropLayerBlobs?: boolean;
}

/** An image on the registries: a name the registered sources offer, within a version filter, or an exact reference. */
export type RegistryRequest =
  | { by: 'name'; name: string; versions: VersionFilter; source?: string }
  /** `insecure`: plain http to a registry that is not a registered source (a source carries its own). */
  | { by: 'reference'; reference: string; insecure: boolean };

/** What to install: an image on the registries, or an image in a layout directory or an archive file. */
export type InstallRequest = RegistryRequest | ({ by: 'path' } & PathRequest);

/**
 * Installs by name, by reference or from a path, holding the install lease (lease-scope.ts)
 * throughout. The platform defaults to this host's.
 */
export async function installImage(ctx: OpsContext, req: InstallRequest, settings: Partial<InstallOptions> = {}): Promise<Installed[]> {
  const max = settings.maxConcurrentDownloads;
  if (max !== undefined && !(Number.isInteger(max) && max >= 1 && max <= MAX_CONCURRENT_DOWNLOADS)) {
    throw usage(`concurrent downloads must be a whole number from 1 to ${MAX_CONCURRENT_DOWNLOADS}, not ${max}`, { code: 'CONCURRENCY_OUT_OF_RANGE' });
  }
  // Refused before waiting for the lease.
  if (req.by === 'name') versionFilter(req.versions);
  const opts = installing(settings);
  return withLease(ctx, 'install', async () => {
    if (req.by === 'path') return installFromPath(ctx, req, opts);
    return install(ctx, await registryImage(ctx, req), opts, 0);
  });
}

/** What a registry request names, for a question or a what-if line: `NanoServer >=10.0.0.0`, the range as a provisioning file writes it, or the reference. */
export function describeRegistryRequest(req: RegistryRequest): string {
  if (req.by === 'reference') return req.reference;
  return [req.name, formatVersionRange(req.versions), req.source && `from source ${req.source}`].filter(Boolean).join(' ');
}

/** What an install request names: a registry request's image, or the path of the layout or archive. */
export function describeInstallRequest(req: InstallRequest): string {
  return req.by === 'path' ? req.path : describeRegistryRequest(req);
}

/** What installImages did: the images installed (a base several requests share, once) and the requests that failed. */
export interface InstallsDone {
  installed: Installed[];
  failed: { request: InstallRequest; error: unknown }[];
}

/**
 * Installs each request in turn, as installImage does (several objects piped in: one install per
 * object); every request's version filter is checked before the first starts. A request that
 * fails is reported with its error and the others are still attempted, unless
 * `stopAtFirstFailure` (-ErrorAction Stop), which ends the run with that error; those installed
 * before it stay installed. A cancellation always ends the run.
 */
export async function installImages(
  ctx: OpsContext,
  reqs: InstallRequest[],
  settings: Partial<InstallOptions> = {},
  opts: { stopAtFirstFailure?: boolean } = {},
): Promise<InstallsDone> {
  for (const req of reqs) if (req.by === 'name') versionFilter(req.versions);
  const installed = new Map<number, Installed>();
  const failures: InstallsDone['failed'] = [];
  for (const request of reqs) {
    try {
      for (const i of await installImage(ctx, request, settings)) if (!installed.has(i.image.id)) installed.set(i.image.id, i);
    } catch (error) {
      if (opts.stopAtFirstFailure || isAbort(error) || ctx.signal.aborted) throw error;
      failures.push({ request, error });
    }
  }
  return { installed: [...installed.values()], failed: failures };
}

export interface Loaded {
  installed: Installed;
  /** The names it was loaded under (its RepoTags, a layout's ref name); none for an image saved without one. */
  names: string[];
}

/**
 * `docker load`: every image a layout or an archive holds, each under every name it carries,
 * as installs from the path (the same checks), holding the install lease throughout. All or
 * nothing: when one image fails (a corrupt layer further in the archive), the images this load
 * installed before it are removed again, so a bad archive changes nothing.
 */
export async function loadImages(ctx: OpsContext, path: string, settings: Partial<InstallOptions> = {}): Promise<Loaded[]> {
  const opts = installing(settings);
  return withLease(ctx, 'install', async () => {
    const source = await openImagePath(path);
    await source.ready();
    const loaded: Loaded[] = [];
    const fresh: ImageRecord[] = [];
    try {
      for (const held of (await source.contents?.()) ?? []) {
        const names: ImageName[] = held.names.length ? held.names.map((tag) => ({ tag })) : [{ position: held.position }];
        let installed: Installed | undefined;
        for (const name of names) {
          const each = await install(ctx, { source, name, record: null }, opts, 0);
          fresh.push(...each.filter((i) => !i.alreadyInstalled).map((i) => i.image));
          installed = each.at(-1);
        }
        loaded.push({ installed: installed!, names: held.names });
      }
    } catch (err) {
      if (fresh.length > 0) {
        ctx.report.info(`Removing the ${fresh.length} image(s) this load installed before it failed`);
        await removeImages(ctx, fresh).catch((undo: unknown) => ctx.report.warn(`could not remove what the failed load installed: ${(undo as Error).message}`));
      }
      throw err;
    }
    return loaded;
  });
}

/** The options, with the host read once for the whole install (bases included). */
type Installing = Omit<InstallOptions, 'platform'> & { platform: PlatformChoice };

const installing = (settings: Partial<InstallOptions>): Installing => ({
  platform: { host: readHostPlatform(), ...(settings.platform && { asked: settings.platform }) },
  whatIf: settings.whatIf,
  maxConcurrentDownloads: settings.maxConcurrentDownloads,
  dropLayerBlobs: settings.dropLayerBlobs,
});

export interface Installed {
  image: ImageRecord;
  alreadyInstalled: boolean;
  /** The tag asked for names the image now and did not before (docker pull's "Downloaded newer image"). */
  newTag: boolean;
  /** An image with its config was installed already (under another repository): docker had the image. */
  configKnown: boolean;
  /** Layers imported by this install (the others were already in the store). */
  newLayers: number;
}

/** Where an image lives, what it is called there, and the registered source it came through (if any). */
export interface Target {
  source: ImageSource;
  name: ImageName;
  record: SourceRecord | null;
}

/**
 * Where an image on the registries is served: for a name, the newest version the registered
 * sources offer (in registration order, the first that has it wins); for a reference, its
 * registry, through the registered source there if there is one. Install and save ask alike.
 */
export async function registryImage(ctx: OpsContext, req: RegistryRequest): Promise<Target> {
  if (req.by === 'reference') {
    const ref = parseReference(req.reference);
    if (!ref.tag && !ref.digest) ref.tag = 'latest';
    return registryTarget(ctx, ref, sourceAt(ctx, ref.registry), req.insecure);
  }
  const filter = req.versions;
  const found = await findImages(ctx, { names: [req.name], filter, allVersions: false, source: req.source });
  if (found.length === 0) {
    const v = filter.required ? ` version ${filter.required.text}` : filter.minimum || filter.maximum ? ' in the version range given' : '';
    throw notFound(`no image named '${req.name}'${v} in ${req.source ? `source '${req.source}'` : 'any registered source'}`, {
      code: 'IMAGE_NOT_FOUND',
      hint: 'search the sources to see what they offer',
    });
  }
  const names = [...new Set(found.map((f) => f.name))];
  if (names.length > 1) throw usage(`'${req.name}' matches several images (${names.join(', ')}); give the exact name`, { code: 'NAME_AMBIGUOUS' });
  const best = found.reduce((a, b) => (compareVersions(b.version, a.version) > 0 ? b : a));
  const host = new URL(best.source.location).host;
  return registryTarget(ctx, { registry: host, repository: best.repository, tag: best.tag }, best.source);
}

/** The tags of the repository a reference names, as its registry lists them (docker pull -a). */
export async function repositoryTags(ctx: OpsContext, reference: string): Promise<string[]> {
  const ref = parseReference(reference);
  const client = await registryClient(ctx, ref, sourceAt(ctx, ref.registry));
  await client.ping();
  return client.tags(ref.repository);
}

export interface PathRequest {
  /** An OCI image layout directory, or an archive file: an OCI layout's or docker-save's (archive/open-path.ts). */
  path: string;
  /** A layout's `org.opencontainers.image.ref.name`, an archive's `repo:tag`, a position and/or a manifest digest; none when it holds one image. */
  name: ImageName;
  /** The repository key the image is recorded under (default: a docker-save archive's RepoTag, else the directory's or file's name). */
  repository?: string;
}

/**
 * Install from a layout directory or an archive file, for hosts with no registry access. No
 * registry is asked for the image; a base it names comes from the same layout when it holds
 * it, else only from a registered source on the base's registry. Callers hold the install lease.
 */
async function installFromPath(ctx: OpsContext, req: PathRequest, opts: Installing): Promise<Installed[]> {
  const source = await openImagePath(req.path, { repository: req.repository });
  return install(ctx, { source, name: req.name, record: null }, opts, 0);
}

/**
 * The tag an image is recorded under: a layout's ref name may be any text (a whole reference,
 * spaces), which no tag can be; such an image is recorded without one, and told.
 */
function checkedTag(ctx: OpsContext, tag: string | undefined, display: string): string | undefined {
  if (tag === undefined || isTag(tag)) return tag;
  ctx.report.warn(`${display}: '${tag.slice(0, 200)}' is not a tag (1-128 of [A-Za-z0-9_.-]); the image is recorded without one`);
  return undefined;
}

/** The registered source whose location is on `host` (host[:port]), if any. */
function sourceAt(ctx: OpsContext, host: string): SourceRecord | null {
  return ctx.store.sources.list().find((s) => new URL(s.location).host === host) ?? null;
}

/** A registered source decides the scheme and its mirrors; otherwise https, or http only when asked for. */
function registryClient(ctx: OpsContext, ref: Reference, record: SourceRecord | null, insecure = false): Promise<RegistryClient> {
  const base = record?.location ?? `${insecure ? 'http' : 'https'}://${ref.registry}`;
  return ctx.registry({ base, mirrors: record?.mirrors });
}

async function registryTarget(ctx: OpsContext, ref: Reference, record: SourceRecord | null, insecure = false): Promise<Target> {
  const client = await registryClient(ctx, ref, record, insecure);
  return { source: new RegistrySource(client, ref, (m) => ctx.report.warn(m)), name: nameOf(ref), record };
}

function nameOf(ref: Reference): ImageName {
  return { ...(ref.tag !== undefined && { tag: ref.tag }), ...(ref.digest && { digest: ref.digest }) };
}

async function install(ctx: OpsContext, target: Target, opts: Installing, depth: number, baseOf?: string): Promise<Installed[]> {
  const { source, name: wanted } = target;
  if (depth === 0) await source.ready();
  const resolved = await source.resolve(wanted, opts.platform);
  const { display, manifest, annotations, digest: manifestDigest } = resolved;
  const repoKey = resolved.repository ?? source.repository;
  const tag = checkedTag(ctx, resolved.tag ?? wanted.tag, display);

  const existing = ctx.store.images.byManifest(repoKey, manifestDigest);
  if (existing) {
    ctx.report.info(`${describeImage(existing)} is already installed (${display})`);
    // Asked for by another tag: the tag now names it, as a pull does in docker.
    const newTag = tag !== undefined && !ctx.store.images.tagsOf(existing.id).includes(tag);
    if (newTag) {
      ctx.store.transaction(() => ctx.store.images.tag(existing.id, repoKey, tag));
      ctx.report.info(`Tagged ${repoKey}:${tag}`);
    }
    return [{ image: existing, alreadyInstalled: true, newTag, configKnown: true, newLayers: 0 }];
  }
  const configBytes = await source.config(resolved);
  const config = parseImageConfig(configBytes);
  if (config.diffIds.length !== manifest.layers.length) {
    throw failed(`${display}: the manifest lists ${manifest.layers.length} layers but the config ${config.diffIds.length} diff ids`, {
      code: 'MANIFEST_INVALID',
    });
  }
  // Checked by its config before the base or any layer is fetched: fully unless an index entry
  // was chosen for its platform, and then still against moby's never-newer rule.
  checkRunsOn(config, opts.platform, display, resolved.chosen?.entry.platform !== undefined);
  if (baseOf) ctx.report.info(`Installing base image ${display} of ${baseOf} first`);

  const installed: Installed[] = [];
  const baseName = annotations[BASE_NAME];
  if (baseName && !baseInstalled(ctx, annotations[BASE_DIGEST])) {
    if (depth >= MAX_BASE_DEPTH) throw failed(`${display}: base images nest deeper than ${MAX_BASE_DEPTH}`, { code: 'BASE_TOO_DEEP' });
    const baseRef = parseReference(baseName, source.registry, `the ${BASE_NAME} annotation of ${display}`);
    const digest = annotations[BASE_DIGEST];
    if (digest) baseRef.digest = digest as Digest;
    installed.push(...(await install(ctx, await baseTarget(ctx, target, baseRef), opts, depth + 1, display)));
  }

  // An image under no repository (loaded from an archive that named none) is named after where it came from.
  const name = annotations[TITLE] || repoKey.split('/').at(-1) || source.repository.split('/').at(-1)!;
  const version = tryParseVersion(tag ?? '')?.text ?? tryParseVersion(annotations[VERSION] ?? '')?.text ?? null;
  const label = version ? `${name} ${version}` : name;
  if (opts.whatIf) {
    const { chosen } = resolved;
    const platform = formatPlatform(configPlatform(config));
    const why = chosen ? `entry ${chosen.position} of ${chosen.of}: ${chosen.why}` : 'one manifest, no index; its config matches';
    ctx.report.info(`What if: installing ${label} from ${display} (${manifest.layers.length} layers), ${platform} (${why})`);
    return installed;
  }
  await ctx.importer.ensureReady();
  ctx.report.info(`Installing ${label} from ${display}`);
  const configKnown = ctx.store.images.hasConfig(manifest.config.digest);

  const chains = chainIds(config.diffIds);
  const pull = new LayerPull(ctx, source, {
    concurrency: opts.maxConcurrentDownloads ?? DEFAULT_CONCURRENT_DOWNLOADS,
    dropLayerBlobs: opts.dropLayerBlobs ?? false,
  });
  try {
    const { newLayers, contentBytes } = await pull.run(manifest.layers.map((desc, i) => ({ desc, diffId: config.diffIds[i]!, chainId: chains[i]! })));
    await ctx.content.writeManifest(manifestDescriptor(resolved), resolved.bytes);
    await ctx.content.writeConfig(manifest.config, configBytes);
    const image = ctx.store.transaction(() => {
      const again = ctx.store.images.byManifest(repoKey, manifestDigest);
      if (again) return again;
      const layerIds = manifest.layers.map(
        (desc, i) =>
          ctx.store.layers.ensure({
            chainId: chains[i]!,
            diffId: config.diffIds[i]!,
            blobDigest: desc.digest,
            mediaType: desc.mediaType,
            size: desc.size,
            contentBytes: contentBytes.get(chains[i]!) ?? null,
          }).id,
      );
      return ctx.store.images.add(
        {
          name,
          publisher: annotations[VENDOR] || target.record?.publisher || null,
          version,
          description: annotations[DESCRIPTION] ?? null,
          repository: repoKey,
          tag: tag ?? null,
          manifestDigest,
          configDigest: manifest.config.digest,
          platform: formatPlatform({ ...configPlatform(config), osFeatures: undefined }),
          size: manifest.layers.reduce((n, l) => n + l.size, 0),
          created: config.created ?? null,
          installed: ctx.now().toISOString(),
          sourceId: target.record?.id ?? null,
          pulled: source instanceof RegistrySource,
        },
        layerIds,
      );
    });
    await pull.committed();
    ctx.report.info(`Installed ${label}: ${manifest.layers.length} layers, ${newLayers} new`);
    installed.push({ image, alreadyInstalled: false, newTag: tag !== undefined, configKnown, newLayers });
    return installed;
  } catch (err) {
    // The error that failed the install is the one to report, whatever taking it back runs into.
    await pull.undo(err).catch((undoErr: unknown) => ctx.report.warn(`could not take back all of this attempt: ${(undoErr as Error).message}; the next install or a repair does`));
    throw err;
  }
}

/**
 * Where a base image is fetched from: the child's own source when it serves it (the child's
 * registry, with the child's client, so its scheme, mirrors and credentials; the child's
 * layout when it holds the base), or a registered source on the base's registry. An image
 * must not make ctrimg connect to any other host it names.
 */
async function baseTarget(ctx: OpsContext, child: Target, baseRef: Reference): Promise<Target> {
  const own = await child.source.base(baseRef);
  if (own) return { source: own, name: nameOf(baseRef), record: child.record };
  const record = sourceAt(ctx, baseRef.registry);
  if (record) return registryTarget(ctx, baseRef, record);
  const base = formatReference(baseRef);
  throw failed(`the image names its base '${base}' (${BASE_NAME}) on a registry that is not its own nor a registered source`, {
    code: 'BASE_UNTRUSTED',
    hint: 'install the base first by its reference, or register a source for that registry',
    details: { reference: base },
  });
}

function baseInstalled(ctx: OpsContext, digest: string | undefined): boolean {
  return digest !== undefined && ctx.store.images.anyByManifestDigest(digest) !== undefined;
}

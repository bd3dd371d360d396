/**
 * Provisioning: making the installed images what a provisioning file (provision-file.ts) lists.
 * The plan is decided over the records alone: an entry an installed image satisfies is kept,
 * whatever newer version the sources may offer since (so a second run changes nothing and asks
 * no registry); any other entry is installed, through installImage as Install-ContainerImage
 * installs. With prune, every installed image that no kept or installed image is, or descends
 * from, is removed through removeImages as Remove-ContainerImage removes: children first, and
 * those a container or a remaining child depends on refused, never forced. How an image came to
 * be installed (by name, by reference, from a file, by a commit) does not matter: an image no
 * entry satisfies is pruned, except that an entry whose install failed or was not attempted
 * holds every installed image of its name (or repository), so a failed upgrade never removes
 * the only copy. Each item is attempted whatever happened to the others (unless asked to stop
 * at the first failure); the caller turns the failures into one error (provisioningError) after
 * reporting them all.
 */
import { CtrimgError, dependent, failed, isAbort, notFound, usage, type ErrorKind } from '../errors.js';
import { parsePlatform, type Platform } from '../image/platform.js';
import { compareVersions, matchesFilter, tryParseVersion } from '../image/version.js';
import type { Dependents, ImageRecord } from '../../store/index.js';
import type { OpsContext } from './context.js';
import { describeImage } from './images.js';
import { installImage, type InstallRequest } from './install.js';
import { describeDependents, planRemoval, removeImages, type Removal } from './remove.js';
import type { StoreContext } from './store-context.js';
import { describeDesired, type DesiredImage } from './provision-file.js';

export type ProvisionAction = 'Install' | 'Keep' | 'Remove' | 'Refused';
/** Skipped: not attempted (a -WhatIf plan, or a removal the user declined). */
export type ProvisionStatus = 'Succeeded' | 'Failed' | 'Skipped';

export interface ProvisionItem {
  action: ProvisionAction;
  status: ProvisionStatus;
  /** The file's entry; absent for an image pruned, or a base installed for an entry. */
  desired?: DesiredImage;
  /** The installed image kept, installed, removed or refused; absent for an install not (yet) done. */
  image?: ImageRecord;
  /** What a refused image is used by. */
  dependents?: Dependents;
  /** The entry an image was installed as the base of. */
  baseOf?: string;
  /** The entry, not installed, for which an image prune would have removed is kept. */
  heldFor?: string;
  error?: CtrimgError;
}

export interface Provisioning {
  items: ProvisionItem[];
  /** Something was installed or removed; with whatIf, something would be. */
  changed: boolean;
  whatIf: boolean;
}

/** An installed image as the planner sees it: its record, every tag it has, the name of the source it came through. */
export interface InstalledView {
  image: ImageRecord;
  tags: string[];
  source: string | null;
}

/** What the file asks, against what is installed: which entry is kept by which image, which must be installed, what prune would remove. */
export interface Decision {
  /** keptBy: the newest of `satisfiedBy`, every installed image that satisfies the entry. */
  entries: { desired: DesiredImage; keptBy?: ImageRecord; satisfiedBy: ImageRecord[] }[];
  /** Installed images no kept image is or descends from, in the order installed. */
  unclaimed: ImageRecord[];
  /** Images kept only because an unresolved entry holds them (or their child), by image id. */
  held: Map<number, DesiredImage>;
}

/**
 * The plan, pure: each entry is kept by the newest installed image that satisfies it (name,
 * version range, source and platform; or repository and tag or digest), else installed. The
 * images to keep are every one that satisfies an entry, and their ancestors (a parent of a kept
 * image is never pruned); `unclaimed` is everything else, which prune removes. `claimed`: images
 * kept besides the entries' (those an install just added). `unresolved`: entries whose install
 * failed or was not attempted; each holds every installed image of its name, or of its
 * repository, so what it would have replaced stays (in `held`).
 */
export function decideProvisioning(
  desired: DesiredImage[],
  installed: InstalledView[],
  claimed: readonly ImageRecord[] = [],
  unresolved: readonly DesiredImage[] = [],
): Decision {
  const entries = desired.map((d) => {
    const satisfiedBy = installed.filter((i) => satisfies(i, d)).map((i) => i.image);
    return { desired: d, keptBy: newest(satisfiedBy), satisfiedBy };
  });
  const byId = new Map(installed.map((i) => [i.image.id, i.image]));
  const kept = new Set<number>();
  const held = new Map<number, DesiredImage>();
  /** Keeps an image and, up the lineage, its ancestors (the parent of a kept image is kept too); `d`: the entry holding them. */
  const keep = (image: ImageRecord, d?: DesiredImage) => {
    for (let at: ImageRecord | undefined = image; at && !kept.has(at.id); at = at.parentId === null ? undefined : byId.get(at.parentId)) {
      kept.add(at.id);
      if (d) held.set(at.id, d);
    }
  };
  // The claimed by their records among the installed: their parents are those the store keeps now.
  for (const image of [...entries.flatMap((e) => e.satisfiedBy), ...claimed.map((c) => byId.get(c.id) ?? c)]) keep(image);
  for (const d of unresolved) for (const i of installed) if (sameImage(i.image, d)) keep(i.image, d);
  return { entries, unclaimed: installed.filter((i) => !kept.has(i.image.id)).map((i) => i.image), held };
}

/** Whether an installed image is one an entry would replace: of its name (any version, source or platform), or of its repository (any tag). */
function sameImage(image: ImageRecord, d: DesiredImage): boolean {
  return d.by === 'reference' ? image.repository === `${d.reference.registry}/${d.reference.repository}` : image.name.toLowerCase() === d.name.toLowerCase();
}

function newest(images: ImageRecord[]): ImageRecord | undefined {
  const version = (i: ImageRecord) => (i.version ? tryParseVersion(i.version) : undefined);
  return images.reduce<ImageRecord | undefined>((best, i) => {
    if (!best) return i;
    const a = version(best);
    const b = version(i);
    return b && (!a || compareVersions(b, a) > 0) ? i : best;
  }, undefined);
}

/** Whether an installed image is what an entry asks for. */
export function satisfies({ image, tags, source }: InstalledView, d: DesiredImage): boolean {
  if (d.platform && !onPlatform(image.platform, d.platform)) return false;
  if (d.by === 'reference') {
    const { registry, repository, tag, digest } = d.reference;
    if (image.repository !== `${registry}/${repository}`) return false;
    return digest ? image.manifestDigest === digest : tags.includes(tag ?? 'latest');
  }
  if (image.name.toLowerCase() !== d.name.toLowerCase()) return false;
  if (d.source !== undefined && source?.toLowerCase() !== d.source.toLowerCase()) return false;
  const { required, minimum, maximum } = d.versions;
  if (!required && !minimum && !maximum) return true;
  const version = image.version ? tryParseVersion(image.version) : undefined;
  return version !== undefined && matchesFilter(version, d.versions);
}

/** An image's recorded platform against the one asked for: os and architecture, the variant and the build (major.minor.build) when asked. */
function onPlatform(recorded: string, asked: Platform): boolean {
  let p: Platform;
  try {
    p = parsePlatform(recorded);
  } catch {
    return false;
  }
  if (p.os !== asked.os || p.architecture !== asked.architecture) return false;
  if (asked.variant !== undefined && p.variant !== asked.variant) return false;
  if (asked.osVersion === undefined) return true;
  const build = (v: string | undefined) => (v ?? '').split('.').slice(0, 3).join('.');
  return build(p.osVersion) === build(asked.osVersion);
}

/** Every installed image with its tags and source, read in one go. */
function installedViews(ctx: StoreContext): InstalledView[] {
  return ctx.store.read(() => {
    const tags = ctx.store.images.allTags();
    const sources = new Map(ctx.store.sources.list().map((s) => [s.id, s.name]));
    return ctx.store.images.all().map((image) => ({ image, tags: tags.get(image.id) ?? [], source: image.sourceId === null ? null : (sources.get(image.sourceId) ?? null) }));
  });
}

/** An entry naming a source that is not registered is refused before anything changes, at its place in the file. */
function checkSources(ctx: StoreContext, desired: DesiredImage[]): void {
  for (const d of desired) {
    if (d.by === 'name' && d.source !== undefined && !ctx.store.sources.byName(d.source)) {
      throw notFound(`${d.sourceAt}: no source named '${d.source}' is registered`, { code: 'SOURCE_NOT_FOUND', hint: 'list the registered sources to see their names' });
    }
  }
}

/**
 * An empty list with prune would remove every installed image nothing uses: refused before
 * anything changes (the cmdlet calls it before it opens the store).
 */
export function checkPrune(desired: DesiredImage[], { prune }: { prune: boolean }): void {
  if (prune && desired.length === 0) {
    throw usage('the file lists no images, and pruning to an empty list would remove every installed image; nothing was changed', {
      code: 'PROVISION_EMPTY',
      hint: 'list the images to keep',
    });
  }
}

/** The plan as -WhatIf shows it: install, keep, remove and refused, nothing attempted (over the records alone). */
export function planProvisioning(ctx: StoreContext, desired: DesiredImage[], { prune }: { prune: boolean }): Provisioning {
  checkPrune(desired, { prune });
  checkSources(ctx, desired);
  const decision = decideProvisioning(desired, installedViews(ctx));
  const shown = new Set<number>();
  // The newest satisfying image keeps the entry (a second run's row); any other one satisfying it stays too, on a row of its own.
  const items: ProvisionItem[] = decision.entries.flatMap(({ desired: d, keptBy, satisfiedBy }): ProvisionItem[] => {
    if (!keptBy) return [{ action: 'Install', status: 'Skipped', desired: d }];
    shown.add(keptBy.id);
    const others = satisfiedBy.filter((i) => !shown.has(i.id) && shown.add(i.id));
    return [keptBy, ...others].map((image): ProvisionItem => ({ action: 'Keep', status: 'Succeeded', desired: d, image }));
  });
  if (prune && decision.unclaimed.length > 0) items.push(...pruneItems(planRemoval(ctx, decision.unclaimed), 'Skipped'));
  return { items, changed: items.some((i) => i.action === 'Install' || i.action === 'Remove'), whatIf: true };
}

export interface ProvisionOptions {
  prune: boolean;
  /**
   * Asked once, before anything changes, when prune would remove images (not when it would only
   * refuse some); false leaves them installed (Skipped). Absent: removed without asking.
   */
  confirmRemoval?: (images: ImageRecord[]) => Promise<boolean>;
  /**
   * Asked before each install (ShouldProcess); false skips it (Skipped), and the entry then holds
   * the images of its name from prune. Absent: installed without asking.
   */
  confirmInstall?: (d: DesiredImage) => Promise<boolean>;
  /** -ErrorAction Stop: attempt nothing after the first failure (the rest Skipped). */
  stopAtFirstFailure?: boolean;
}

/**
 * Provisions: the entries to install, in the file's order, each attempted whatever happened to
 * the others; then, with prune, the removals planned beforehand (and confirmed), less any image
 * that has since become the base of one just installed.
 */
export async function provision(ctx: OpsContext, desired: DesiredImage[], opts: ProvisionOptions): Promise<Provisioning> {
  const plan = planProvisioning(ctx, desired, opts);
  const toRemove = plan.items.filter((i) => i.action === 'Remove').map((i) => i.image!);
  const confirmed = toRemove.length === 0 || !opts.confirmRemoval || (await opts.confirmRemoval(toRemove));
  const items: ProvisionItem[] = [];
  const added: ImageRecord[] = [];
  const stopped = () => opts.stopAtFirstFailure === true && items.some((i) => i.status === 'Failed');
  for (const item of plan.items) {
    if (item.action === 'Keep') items.push(item);
    if (item.action !== 'Install') continue;
    if (stopped() || (opts.confirmInstall && !(await opts.confirmInstall(item.desired!)))) {
      items.push(item);
      continue;
    }
    try {
      const installed = await installImage(ctx, requestOf(item.desired!), item.desired!.platform ? { platform: item.desired!.platform } : {});
      added.push(...installed.map((i) => i.image));
      const entry = installed.at(-1)!;
      for (const base of installed.slice(0, -1)) items.push({ action: 'Install', status: 'Succeeded', image: base.image, baseOf: describeDesired(item.desired!) });
      const unchanged = entry.alreadyInstalled && !entry.newTag;
      items.push({ action: unchanged ? 'Keep' : 'Install', status: 'Succeeded', desired: item.desired, image: entry.image });
    } catch (err) {
      if (isAbort(err) || ctx.signal.aborted) throw err;
      items.push({ ...item, status: 'Failed', error: asCtrimgError(err) });
    }
  }
  const pruning = plan.items.filter((i) => i.action === 'Remove' || i.action === 'Refused');
  // Entries not installed, failed or skipped, hold the images they would have replaced.
  const unresolved = items.filter((i) => i.action === 'Install' && i.status !== 'Succeeded' && i.desired).map((i) => i.desired!);
  if (pruning.length > 0 && stopped()) items.push(...pruning.map((i): ProvisionItem => ({ ...i, status: 'Skipped' })));
  else if (pruning.length > 0) items.push(...(await prune(ctx, { desired, unresolved, added, stopAtFirstFailure: opts.stopAtFirstFailure === true }, pruning, confirmed)));
  const changed = items.some((i) => (i.action === 'Install' || i.action === 'Remove') && i.status === 'Succeeded');
  return { items, changed, whatIf: false };
}

function requestOf(d: DesiredImage): InstallRequest {
  return d.by === 'reference'
    ? { by: 'reference', reference: describeDesired(d), insecure: d.insecure }
    : { by: 'name', name: d.name, versions: d.versions, ...(d.source !== undefined && { source: d.source }) };
}

interface Outcome {
  desired: DesiredImage[];
  /** Entries whose install failed or was not attempted. */
  unresolved: DesiredImage[];
  /** Images the installs added. */
  added: ImageRecord[];
  stopAtFirstFailure: boolean;
}

/**
 * The planned removals and refusals. Declined: nothing is attempted, the removals are skipped and
 * the refusals stand. Else the images still unclaimed now go to removeImages; one an install has
 * since made the base of a new image, or one an entry not installed holds, is kept instead.
 */
async function prune(ctx: OpsContext, outcome: Outcome, planned: ProvisionItem[], confirmed: boolean): Promise<ProvisionItem[]> {
  if (!confirmed) {
    return planned.map((i): ProvisionItem => (i.action === 'Remove' ? { ...i, status: 'Skipped' } : { ...i, status: 'Failed', error: refusal(i.dependents!) }));
  }
  const decision = decideProvisioning(outcome.desired, installedViews(ctx), outcome.added, outcome.unresolved);
  const unclaimed = new Set(decision.unclaimed.map((i) => i.id));
  const items = planned
    .filter((i) => !unclaimed.has(i.image!.id))
    .map((i): ProvisionItem => {
      const holder = decision.held.get(i.image!.id);
      return { action: 'Keep', status: 'Succeeded', image: i.image, ...(holder && { heldFor: describeDesired(holder) }) };
    });
  const targets = planned.map((i) => i.image!).filter((i) => unclaimed.has(i.id));
  if (targets.length === 0) return items;
  try {
    return [...items, ...pruneItems(await removeImages(ctx, targets, { stopAtFirstFailure: outcome.stopAtFirstFailure }), 'Succeeded')];
  } catch (err) {
    if (isAbort(err) || ctx.signal.aborted) throw err;
    const error = asCtrimgError(err);
    // Every one removed meanwhile by another command: what prune wanted holds.
    const status = error.code === 'IMAGE_GONE' ? 'Succeeded' : 'Failed';
    return [...items, ...targets.map((image): ProvisionItem => ({ action: 'Remove', status, image, ...(status === 'Failed' && { error }) }))];
  }
}

/** A removal's outcome as items: removed (or gone meanwhile) with `done`, refused as failures naming what uses them. */
function pruneItems(r: Omit<Removal, 'swept'>, done: ProvisionStatus): ProvisionItem[] {
  return [
    ...[...r.removed, ...r.gone].map((image): ProvisionItem => ({ action: 'Remove', status: done, image })),
    // Not attempted after a refusal (-ErrorAction Stop).
    ...r.skipped.map((image): ProvisionItem => ({ action: 'Remove', status: 'Skipped', image })),
    ...r.refused.map(({ image, ...dependents }): ProvisionItem => ({
      action: 'Refused',
      status: done === 'Skipped' ? 'Skipped' : 'Failed',
      image,
      dependents,
      ...(done !== 'Skipped' && { error: refusal(dependents) }),
    })),
  ];
}

/** A refusal to prune, worded to follow the image's name (as provisioningError and the report put it). */
const refusal = (deps: Dependents) =>
  dependent(`not in the file, but used by ${describeDependents(deps)}`, {
    code: 'IMAGE_IN_USE',
    hint: 'remove the dependent containers and child images first, or list the image in the file',
  });

const asCtrimgError = (err: unknown) => (err instanceof CtrimgError ? err : failed((err as Error).message ?? String(err), { code: 'INTERNAL', cause: err }));

/**
 * The one error a run ends with when any item failed, after all were attempted: of the kind all
 * the failures share (every one refused: exit 4, as Remove-ContainerImage; every one not found:
 * 3), else a failure (1); with the code they share, else the kind's own. A -WhatIf plan fails
 * nothing, but ends with the refusals it plans (exit 4), as Remove-ContainerImage -WhatIf does.
 */
export function provisioningError(p: Provisioning): CtrimgError | undefined {
  const failures = p.whatIf
    ? p.items.filter((i) => i.action === 'Refused').map((i) => ({ ...i, error: refusal(i.dependents!) }))
    : p.items.filter((i) => i.status === 'Failed');
  if (failures.length === 0) return undefined;
  const errors = failures.map((f) => f.error!);
  const kinds = new Set(errors.map((e) => e.kind));
  const codes = new Set(errors.map((e) => e.code));
  const kind: ErrorKind = kinds.size === 1 ? errors[0]!.kind : 'failed';
  const what = failures.map((f) => `${label(f)}: ${f.error!.message}`).join('; ');
  const outcome = p.whatIf ? 'would be refused (nothing was changed)' : 'failed (the others were attempted)';
  return new CtrimgError(kind, `${failures.length} of ${p.items.length} images ${outcome}: ${what}`, {
    ...(codes.size === 1 && kinds.size === 1 && { code: errors[0]!.code }),
    ...(failures.length === 1 && errors[0]!.hint !== undefined && { hint: errors[0]!.hint }),
  });
}

/** How an item is named in messages: the image, else the entry. */
const label = (i: ProvisionItem): string => (i.image ? describeImage(i.image) : describeDesired(i.desired!));

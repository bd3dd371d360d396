/**
 * `docker rmi` in ctrimg's terms. An argument names what docker would delete: a reference
 * (`repo:tag`, `repo@digest`) names one tag or digest of one installed image, an id (or a
 * unique prefix) every installed image with that config. A reference is taken away; an image
 * left with no reference is removed, by removeImages and its rules (DESIGN rule 1): unlike
 * docker, no -f removes an image a container (even a stopped one) or a child image depends
 * on. What docker prints is returned per argument: `Untagged:` for each reference taken away,
 * `Deleted:` for the image id once no installed image has that config any more, then for each
 * layer deleted (chain ids, topmost first).
 */
import { CtrimgError, dependent, failed } from '../errors.js';
import type { ImageRecord } from '../../store/index.js';
import type { OpsContext } from './context.js';
import { dockerImageEntries, noSuchImage, resolveDockerImage, type DockerEntry } from './docker-views.js';
import type { DockerImageRow } from './docker-images.js';
import { removalError, removeImages } from './remove.js';

export interface RmiResult {
  /** The argument as given. */
  argument: string;
  /** docker's lines for it: `Untagged: ...`, `Deleted: sha256:...`. */
  lines: string[];
  /** Why nothing (or not all) of it was removed, in docker's words. */
  error?: CtrimgError;
}

/** Removes what each argument names, one after another, as docker does: a failure does not stop the next. */
export async function dockerRmi(ctx: OpsContext, args: readonly string[], opts: { force: boolean }): Promise<RmiResult[]> {
  const results: RmiResult[] = [];
  for (const argument of args) {
    try {
      results.push({ argument, lines: await rmiOne(ctx, argument, opts.force) });
    } catch (err) {
      if (!(err instanceof CtrimgError)) throw err;
      results.push({ argument, lines: [], error: err });
    }
  }
  return results;
}

/**
 * The error rmi exits with, if any: the one failure as it is, or several as one error naming
 * each. With -f an image that is not there is only told (a warning), as docker -f exits 0 then.
 */
export function rmiError(ctx: Pick<OpsContext, 'report'>, results: readonly RmiResult[], force: boolean): CtrimgError | undefined {
  const failures = results.flatMap((r) => (r.error ? [r.error] : []));
  const counted = failures.filter((e) => !(force && e.code === 'IMAGE_NOT_FOUND'));
  for (const e of failures) if (!counted.includes(e)) ctx.report.warn(e.message);
  if (counted.length <= 1) return counted[0];
  return failed(counted.map((e) => e.message).join('; '), { code: counted[0]!.code, hint: counted[0]!.hint });
}

async function rmiOne(ctx: OpsContext, argument: string, force: boolean): Promise<string[]> {
  const { id, entries, reference } = resolveDockerImage(await dockerImageEntries(ctx), argument);
  if (reference) return removeReference(ctx, argument, reference);
  return removeById(ctx, argument, id, entries, force);
}

/** A tag or a digest: taken away, and the image removed when it was the image's last reference. */
async function removeReference(ctx: OpsContext, argument: string, { row, image }: DockerEntry): Promise<string[]> {
  const tags = ctx.store.images.tagsOf(image.id);
  if (argument.includes('@')) {
    // docker keeps an image's tags when one of its digests goes.
    if (tags.length > 0) {
      ctx.store.transaction(() => ctx.store.images.unpull(image.id));
      return [`Untagged: ${argument}`];
    }
  } else if (tags.length > 1) {
    ctx.store.transaction(() => ctx.store.images.untag(image.repository, row.tag!));
    return [`Untagged: ${row.repository}:${row.tag}`];
  }
  const deps = ctx.store.lineage.dependents(image.id);
  const container = deps.containers[0];
  if (container) {
    throw dependent(`conflict: unable to remove repository reference "${argument}" (cannot be forced) - container ${container.cid.slice(0, 12)} is using its referenced image ${shortId(row.id)}`, {
      code: 'IMAGE_IN_USE',
      hint: `remove container '${container.name}' first: a container, even a stopped one, keeps its image`,
    });
  }
  const untagged = untaggedLines(ctx, row.repository!, image);
  if (deps.children.length > 0) {
    // As docker: a parent's last reference goes, the image stays (an intermediate image, which `images -a` shows).
    ctx.store.transaction(() => {
      for (const tag of tags) ctx.store.images.untag(image.repository, tag);
      ctx.store.images.unpull(image.id);
    });
    return untagged;
  }
  return [...untagged, ...(await remove(ctx, [image], argument, row.id))];
}

/** By id: every installed image with that config, refused as docker refuses, but -f never overrides a dependent. */
async function removeById(ctx: OpsContext, argument: string, id: string, entries: DockerEntry[], force: boolean): Promise<string[]> {
  if (!force && !singleReference(entries.map((e) => e.row))) {
    throw dependent(`conflict: unable to delete ${argument} (must be forced) - image is referenced in multiple repositories`, {
      code: 'IMAGE_REFERENCED',
      hint: 'give -f to untag every reference, or remove one reference at a time',
    });
  }
  const images = [...new Map(entries.map((e) => [e.image.id, e])).values()].sort((a, b) => (a.row.repository ?? '').localeCompare(b.row.repository ?? ''));
  // Every record is checked before any goes: docker removes all of an image or nothing.
  for (const { image } of images) {
    const deps = ctx.store.lineage.dependents(image.id);
    if (deps.children.length > 0) throw childConflict(argument);
    const container = deps.containers[0];
    if (container) {
      const state = container.state === 'Running' ? 'running' : 'stopped';
      throw dependent(`conflict: unable to delete ${argument} (cannot be forced) - image is being used by ${state} container ${container.cid.slice(0, 12)}`, {
        code: 'IMAGE_IN_USE',
        hint: `remove container '${container.name}' first: a container, even a stopped one, keeps its image`,
      });
    }
  }
  const untagged = images.flatMap(({ row, image }) => (row.repository === null ? [] : untaggedLines(ctx, row.repository, image)));
  return [...untagged, ...(await remove(ctx, images.map((e) => e.image), argument, id))];
}

/**
 * moby's isSingleReference: an id may be removed without -f when its image has one reference
 * (one tag, and digests only in that tag's repository; or digests in one repository alone).
 */
function singleReference(rows: DockerImageRow[]): boolean {
  const tags = rows.filter((r) => r.tag !== null);
  const digestRepos = new Set(rows.filter((r) => r.digest !== null && r.repository !== null).map((r) => r.repository));
  if (tags.length > 1) return false;
  if (tags.length === 1) return [...digestRepos].every((r) => r === tags[0]!.repository);
  return digestRepos.size <= 1;
}

/** `Untagged:` for each tag of the image, then for its digest when it was pulled. */
function untaggedLines(ctx: OpsContext, repository: string, image: ImageRecord): string[] {
  return [...ctx.store.images.tagsOf(image.id).map((t) => `Untagged: ${repository}:${t}`), ...(image.pulled ? [`Untagged: ${repository}@${image.manifestDigest}`] : [])];
}

const shortId = (id: string) => id.slice('sha256:'.length, 'sha256:'.length + 12);

const childConflict = (argument: string) =>
  dependent(`conflict: unable to delete ${argument} (cannot be forced) - image has dependent child images`, { code: 'IMAGE_IN_USE', hint: 'remove the child images first' });

/**
 * Removes the images, checked by the caller; `Deleted:` for the id once no image has that
 * config, then for each layer the sweep deleted. What another command made depend on one of
 * them meanwhile is still refused (removeImages decides again), and said as removeImages says it.
 */
async function remove(ctx: OpsContext, images: ImageRecord[], argument: string, id: string): Promise<string[]> {
  const removal = await removeImages(ctx, images).catch((err: unknown) => {
    throw err instanceof CtrimgError && err.code === 'IMAGE_GONE' ? noSuchImage(argument) : err;
  });
  const refusal = removalError(removal);
  if (refusal) throw refusal;
  const gone = !ctx.store.images.all().some((i) => i.configDigest === id);
  return [...(gone ? [`Deleted: ${id}`] : []), ...removal.swept.chainIds.map((c) => `Deleted: ${c}`)];
}

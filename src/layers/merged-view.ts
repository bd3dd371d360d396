/**
 * The tree a layer's entry lands in, as containerd sees it: containerd applies a layer onto the
 * merged root of the layers below and resolves each entry's parent there with continuity's
 * fs.RootPath (symlinks followed inside the root, absolute targets from the root, `..` clamped
 * at the root, at most 255 links). ctrimg keeps each layer as a diff of its own, so this view
 * answers the same questions from this layer's diff so far over the parent layers' diffs
 * (nearest first), honouring their whiteouts and opaque markers as merge.ts will.
 *
 * What this layer holds is known from memory (the unpacker reports every change), so an entry
 * under a directory of its own layer costs no file system call; the parent layers are read
 * (lstat, readlink) only when a path is not decided by this layer, once per path, and only
 * after `parentsReady` has settled.
 */
import type { BigIntStats } from 'node:fs';
import { mkdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fromBuffer, fsPath, type BytePath } from './byte-paths.js';
import { cleanParts, lstatOrUndefined } from './paths.js';
import { OPAQUE, WHITEOUT_PREFIX } from './whiteouts.js';

export type Kind = 'dir' | 'symlink' | 'other';

/** What the merged view has at a path; `target` for a symlink. */
export interface Found {
  kind: Kind;
  target?: BytePath;
}

/** The parent layers' merged view of one path: the topmost entry, and for a directory the layers it merges. */
interface Lower {
  kind: Kind;
  path: BytePath;
  st: BigIntStats;
  layers: number[];
  /** A symlink's target, read once asked for. */
  target?: BytePath;
}

/** continuity's fs.RootPath gives up after this many links. */
export const MAX_LINKS = 255;

/** A path `resolveDir` could not walk: this component is neither a directory nor a symlink. */
export interface NotDir {
  notDir: BytePath;
}

/** A symlink walked more than MAX_LINKS times. */
export class TooManyLinks extends Error {}

export class MergedView {
  /** What this layer holds at each path it made (whiteout markers aside). */
  private readonly kinds = new Map<BytePath, Kind>();
  private readonly links = new Map<BytePath, BytePath>();
  /** Paths whose lower entries this layer removed: whited out or replaced. */
  private readonly hidden = new Set<BytePath>();
  /** Directories with an opaque marker in this layer. */
  private readonly opaques = new Set<BytePath>();
  private readonly lowers = new Map<BytePath, Promise<Lower | undefined>>();

  /** `root` and `parents` (nearest first) as byte strings. */
  constructor(
    private readonly root: BytePath,
    private readonly parents: BytePath[],
    private readonly parentsReady?: Promise<void>,
  ) {}

  /** What this layer itself holds at `rel`. */
  kind(rel: BytePath): Kind | undefined {
    return this.kinds.get(rel);
  }

  linkTarget(rel: BytePath): BytePath | undefined {
    return this.links.get(rel);
  }

  /** This layer made something at `rel` (`target` for a symlink). */
  made(rel: BytePath, kind: Kind, target?: BytePath): void {
    this.kinds.set(rel, kind);
    if (target !== undefined) this.links.set(rel, target);
  }

  /** This layer removed what it had at `rel` and below it. */
  removed(rel: BytePath): void {
    for (const map of [this.kinds, this.links]) {
      for (const key of map.keys()) if (under(key, rel)) map.delete(key);
    }
  }

  /** This layer removed `rel` from the merged view: the lower layers' `rel` is gone as well. */
  hide(rel: BytePath): void {
    this.hidden.add(rel);
  }

  /** This layer made `dir` opaque: the lower layers' entries in it are gone. */
  opaque(dir: BytePath): void {
    this.opaques.add(dir);
  }

  /** Paths this layer holds strictly below `dir`, shallowest first. */
  below(dir: BytePath): BytePath[] {
    return [...this.kinds.keys()].filter((k) => k !== dir && under(k, dir)).sort((a, b) => a.length - b.length);
  }

  /** Whether this layer hides the lower layers' `rel`: it, or a directory above it, was whited out or replaced, or a directory above it is opaque. */
  hidesLower(rel: BytePath): boolean {
    if (this.hidden.has(rel)) return true;
    for (let i = rel.lastIndexOf('/'); ; i = rel.lastIndexOf('/', i - 1)) {
      const dir = i < 0 ? '' : rel.slice(0, i);
      if (this.opaques.has(dir) || (dir !== '' && this.hidden.has(dir))) return true;
      if (i <= 0) return false;
    }
  }

  /** What the merged view has at `rel` (a resolved path): this layer's entry, else the parent layers'. */
  async at(rel: BytePath): Promise<Found | undefined> {
    const kind = this.kinds.get(rel);
    if (kind) return { kind, target: this.links.get(rel) };
    if (!this.parents.length || this.hidesLower(rel)) return undefined;
    const lower = await this.lower(rel);
    if (!lower) return undefined;
    if (lower.kind === 'symlink') lower.target ??= fromBuffer(await readlink(fsPath(lower.path), { encoding: 'buffer' }));
    return { kind: lower.kind, target: lower.target };
  }

  /** The parent layers' entry at `rel` as the merged view shows it, unless this layer decides `rel`. */
  async lowerEntry(rel: BytePath): Promise<{ path: BytePath; st: BigIntStats } | undefined> {
    if (this.kinds.has(rel) || !this.parents.length || this.hidesLower(rel)) return undefined;
    return this.lower(rel);
  }

  /** The parent layers' entry at `rel`, whatever this layer did there since. */
  parentsEntry(rel: BytePath): Promise<{ path: BytePath; st: BigIntStats } | undefined> {
    return this.parents.length ? this.lower(rel) : Promise.resolve(undefined);
  }

  /**
   * Resolves directory components `parts` like fs.RootPath: each symlink met, in this
   * layer or a parent, is replaced by its target, cleaned against the directory holding it (or
   * the root, for an absolute one), and the walk goes on from there. The result holds no
   * symlink; a component that does not exist yet is taken as a directory to be made.
   */
  async resolveDir(parts: BytePath[]): Promise<BytePath | NotDir> {
    const walked = await this.walk(parts);
    return typeof walked === 'string' ? walked : { notDir: walked.notDir };
  }

  /**
   * What the whole name `parts` resolves to, a symlink as its last component followed too
   * (fs.RootPath of the name), or undefined when a component before the last is not a directory.
   */
  async resolvePath(parts: BytePath[]): Promise<BytePath | undefined> {
    const walked = await this.walk(parts);
    if (typeof walked === 'string') return walked;
    return walked.rest === 0 ? walked.notDir : undefined;
  }

  /** resolveDir's walk; where it stops at a component that is not a directory, how many components follow it. */
  private async walk(parts: BytePath[]): Promise<BytePath | (NotDir & { rest: number })> {
    const whole = parts.join('/');
    if (whole === '' || this.kinds.get(whole) === 'dir') return whole;
    let queue = parts;
    let done: BytePath[] = [];
    let links = 0;
    while (queue.length) {
      const [name, ...rest] = queue;
      // Only a hard link's name comes uncleaned: its `..` goes up from where the walk got to.
      if (name === '' || name === '.' || name === '..') {
        if (name === '..') done.pop();
        queue = rest;
        continue;
      }
      const rel = [...done, name!].join('/');
      const found = this.kinds.get(rel) === 'dir' ? undefined : await this.at(rel);
      if (found?.kind === 'symlink') {
        if (++links > MAX_LINKS) throw new TooManyLinks(rel);
        const from = found.target!.startsWith('/') ? '' : done.join('/');
        queue = [...cleanParts(`${from}/${found.target!}`), ...rest];
        done = [];
        continue;
      }
      if (found && found.kind !== 'dir') return { notDir: rel, rest: rest.length };
      done.push(name!);
      queue = rest;
    }
    return done.join('/');
  }

  /**
   * Makes the directories of `rel` (resolved) that this layer lacks, as containerd's mkparent
   * does; each is returned with the parent layers' directory at its path, whose attributes it
   * takes (containerd's copyDirInfo), if there is one.
   */
  async makeDirs(rel: BytePath): Promise<Array<{ rel: BytePath; lower?: { path: BytePath; st: BigIntStats } }>> {
    const made: Array<{ rel: BytePath; lower?: { path: BytePath; st: BigIntStats } }> = [];
    if (rel === '') return made;
    let dir = '';
    for (const part of rel.split('/')) {
      dir = dir ? `${dir}/${part}` : part;
      if (this.kinds.get(dir) === 'dir') continue;
      const lower = await this.lowerEntry(dir);
      await mkdir(fsPath(join(this.root, dir)), { mode: 0o755 });
      this.kinds.set(dir, 'dir');
      made.push({ rel: dir, lower: lower?.st.isDirectory() ? lower : undefined });
    }
    return made;
  }

  private lower(rel: BytePath): Promise<Lower | undefined> {
    let found = this.lowers.get(rel);
    if (!found) {
      found = this.lookUpLower(rel);
      this.lowers.set(rel, found);
    }
    return found;
  }

  /**
   * The overlay rules merge.ts applies, read from the parents' diffs: a directory merges the
   * same directory of the layers below until one is opaque, has a whiteout of it beside it, or
   * has something else there; anything else is the topmost layer's; a whiteout hides the lower
   * layers' entry.
   */
  private async lookUpLower(rel: BytePath): Promise<Lower | undefined> {
    await this.parentsReady;
    let layers: number[];
    let dir: BytePath;
    let name: BytePath;
    if (rel === '') {
      layers = [];
      for (let i = 0; i < this.parents.length; i++) {
        layers.push(i);
        if (await lstatOrUndefined(fsPath(join(this.parents[i]!, OPAQUE)))) break;
      }
      return { kind: 'dir', path: this.parents[0]!, st: (await lstatOrUndefined(fsPath(this.parents[0]!)))!, layers };
    }
    const slash = rel.lastIndexOf('/');
    dir = slash < 0 ? '' : rel.slice(0, slash);
    name = rel.slice(slash + 1);
    const parent = await this.lower(dir);
    if (parent?.kind !== 'dir') return undefined;
    let top: Lower | undefined;
    for (const i of parent.layers) {
      const path = join(this.parents[i]!, rel);
      const st = await lstatOrUndefined(fsPath(path));
      if (st && !st.isDirectory()) {
        top ??= { kind: st.isSymbolicLink() ? 'symlink' : 'other', path, st, layers: [] };
        break;
      }
      if (st) {
        top ??= { kind: 'dir', path, st, layers: [] };
        top.layers.push(i);
        if (await lstatOrUndefined(fsPath(join(path, OPAQUE)))) break;
      }
      if (await lstatOrUndefined(fsPath(join(this.parents[i]!, dir, WHITEOUT_PREFIX + name)))) break;
    }
    return top;
  }
}

/** Whether `path` is `dir` or below it. */
function under(path: BytePath, dir: BytePath): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}

/**
 * Test support: compares two directory trees entry by entry, as a container would see them.
 *
 * Names are read as bytes (`readdir` with `encoding: 'buffer'`), so two names that differ only
 * in bytes that are not UTF-8 stay two entries, and are shown with those bytes escaped (`\xff`).
 * For each path both trees hold it compares: type, size and content (sha256, streamed) of
 * files, mode with its setuid/setgid/sticky bits, uid/gid, symlink target bytes, the groups of
 * names sharing an inode (hard links), mtime, every extended attribute (`security.capability`,
 * `trusted.*`, `user.*`, ...) and the major/minor of device nodes.
 *
 * Extended attributes are read with `getfattr` (Debian's `attr` package): Node has no xattr
 * call and the project has no native module for it; one recursive run per tree is enough.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';

/** What a comparison looks at; `ignore` names these. */
export type Field = 'type' | 'size' | 'content' | 'mode' | 'owner' | 'target' | 'links' | 'mtime' | 'xattrs' | 'device';

export type EntryType = 'file' | 'dir' | 'symlink' | 'fifo' | 'char' | 'block' | 'socket';

export interface TreeEntry {
  /** Relative to the tree's root, bytes joined by '/'; the root itself is the empty Buffer. */
  path: Buffer;
  type: EntryType;
  /** Permission bits with setuid/setgid/sticky (st_mode & 07777). */
  mode: number;
  uid: number;
  gid: number;
  /** Files and symlinks only (a directory's size is the file system's business). */
  size: bigint | null;
  /** sha256 of a regular file's content, hex. */
  sha256: string | null;
  /** A symlink's target, as bytes. */
  target: Buffer | null;
  /** Nanoseconds since the epoch (negative before 1970). */
  mtimeNs: bigint;
  /** Device nodes only. */
  device: { major: number; minor: number } | null;
  /** Name -> value in hex (`0x...`), as getfattr prints it. */
  xattrs: Map<string, string>;
  /** Inode number, for the hard-link groups (never compared directly). */
  ino: bigint;
}

/** A tree: its entries by path (path bytes as a latin1 string, which keeps every byte). */
export type Tree = Map<string, TreeEntry>;

export interface Ignore {
  /** The path (as in the tree, relative, '' for the root), or a test on the displayed path. */
  path: string | Buffer | ((shown: string) => boolean);
  fields: Field[];
  /** Why this field may differ there: required, so that every exception says why. */
  why: string;
}

export interface DiffOptions {
  /** Names of the two trees in the report, e.g. ['ctrimg', 'umoci']. */
  labels?: [string, string];
  ignore?: Ignore[];
  /**
   * How far two mtimes may be apart in nanoseconds and count as equal. Default 1000 (1 us): a
   * writer that sets times through Node's utimes passes seconds as a double, whose step is
   * 2^-22 s (0.24 us) for today's times and 2^-20 s (0.95 us) just below 2106, so the last
   * digits can be off by up to half that; the fs keeps nanoseconds.
   */
  mtimeToleranceNs?: bigint;
}

const key = (path: Buffer) => path.toString('latin1');
const fromKey = (k: string) => Buffer.from(k, 'latin1');

/**
 * A path for people: UTF-8 where the bytes are valid UTF-8, each other byte (and each control
 * character or backslash) escaped as `\xNN`, so that two different byte strings never show alike.
 */
export function showPath(path: Buffer): string {
  let out = '';
  let i = 0;
  while (i < path.length) {
    const len = utf8Length(path, i);
    if (len === 0) {
      out += `\\x${path[i]!.toString(16).padStart(2, '0')}`;
      i += 1;
      continue;
    }
    const ch = path.subarray(i, i + len).toString('utf8');
    out += len === 1 && (path[i]! < 0x20 || path[i] === 0x7f || path[i] === 0x5c) ? `\\x${path[i]!.toString(16).padStart(2, '0')}` : ch;
    i += len;
  }
  return out;
}

/** The length of the valid UTF-8 sequence starting at `i`, 0 if none does (overlongs and surrogates refused). */
function utf8Length(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number) => i + k < b.length && (b[i + k]! & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const d = b[i + 1]!;
    if ((c === 0xe0 && d < 0xa0) || (c === 0xed && d >= 0xa0)) return 0;
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const d = b[i + 1]!;
    if ((c === 0xf0 && d < 0x90) || (c === 0xf4 && d >= 0x90)) return 0;
    return 4;
  }
  return 0;
}

/** The kind of file a stat describes, in the names both tree listings use. */
export function typeOf(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  return 'socket';
}

/** Linux's dev_t split (glibc's gnu_dev_major/minor). */
export function majorMinor(rdev: bigint): { major: number; minor: number } {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { major, minor };
}

function sha256File(path: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

const joinBytes = (dir: Buffer, name: Buffer) => (dir.length === 0 ? name : Buffer.concat([dir, Buffer.from('/'), name]));

/** Reads every entry under `root` (the root included, as path ''). */
export async function readTree(root: string): Promise<Tree> {
  const rootBytes = Buffer.from(root);
  const abs = (rel: Buffer) => (rel.length === 0 ? rootBytes : Buffer.concat([rootBytes, Buffer.from('/'), rel]));
  const xattrs = await readXattrs(root);
  const tree: Tree = new Map();
  const visit = async (rel: Buffer): Promise<void> => {
    const p = abs(rel);
    const st = await lstat(p, { bigint: true });
    const type = typeOf(st);
    tree.set(key(rel), {
      path: rel,
      type,
      mode: Number(st.mode & 0o7777n),
      uid: Number(st.uid),
      gid: Number(st.gid),
      size: type === 'file' || type === 'symlink' ? st.size : null,
      sha256: type === 'file' ? await sha256File(p) : null,
      target: type === 'symlink' ? await readlink(p, { encoding: 'buffer' }) : null,
      mtimeNs: st.mtimeNs,
      device: type === 'char' || type === 'block' ? majorMinor(st.rdev) : null,
      xattrs: xattrs.get(key(rel)) ?? new Map(),
      ino: st.ino,
    });
    if (type !== 'dir') return;
    const children = await readdir(p, { encoding: 'buffer', withFileTypes: true });
    for (const c of children) await visit(joinBytes(rel, c.name as unknown as Buffer));
  };
  await visit(Buffer.alloc(0));
  return tree;
}

/**
 * All extended attributes under `root` by relative path: `getfattr -R -P -h -d -m - -e hex`
 * lists each entry that has any (symlinks' own, not followed) as `# file: <path>` and
 * `name=0x<hex>` lines; it escapes a backslash and unprintable bytes of the path as `\ooo`.
 */
async function readXattrs(root: string): Promise<Map<string, Map<string, string>>> {
  const out = await new Promise<Buffer>((resolve, reject) => {
    execFile(
      'getfattr',
      ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', '--', root],
      { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } },
      (err, stdout, stderr) => (err ? reject(new Error(`getfattr -R ${root} failed: ${err.message}\n${stderr.toString()}`)) : resolve(stdout)),
    );
  });
  const prefix = key(Buffer.from(root));
  const found = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const line of out.toString('latin1').split('\n')) {
    if (line.startsWith('# file: ')) {
      const path = line.slice(8).replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
      if (path !== prefix && !path.startsWith(`${prefix}/`)) throw new Error(`getfattr named a path outside ${root}: ${path}`);
      current = new Map();
      found.set(path.slice(prefix.length + 1), current);
    } else if (line !== '' && current) {
      const eq = line.indexOf('=');
      current.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return found;
}

/** For each path that shares its inode with another path of the tree, the sorted group it belongs to. */
function linkGroups(tree: Tree): Map<string, string[]> {
  const byIno = new Map<bigint, string[]>();
  for (const [k, e] of tree) {
    if (e.type === 'dir') continue;
    const g = byIno.get(e.ino);
    if (g) g.push(k);
    else byIno.set(e.ino, [k]);
  }
  const groups = new Map<string, string[]>();
  for (const g of byIno.values()) {
    if (g.length < 2) continue;
    g.sort();
    for (const k of g) groups.set(k, g);
  }
  return groups;
}

const octal = (m: number) => m.toString(8).padStart(4, '0');

function showTime(ns: bigint): string {
  const neg = ns < 0n;
  const abs = neg ? -ns : ns;
  return `${neg ? '-' : ''}${abs / 1_000_000_000n}.${(abs % 1_000_000_000n).toString().padStart(9, '0')}`;
}

const showXattrs = (x: Map<string, string>) => (x.size === 0 ? '(none)' : [...x].sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, v]) => `${n}=${v}`).join(' '));

/**
 * The differences between trees `a` and `b`, one readable line each, `[]` when they are the
 * same. A path that only one tree holds is listed once, its descendants counted but not listed.
 */
export function diffTrees(a: Tree, b: Tree, opts: DiffOptions = {}): string[] {
  const [la, lb] = opts.labels ?? ['a', 'b'];
  const tolerance = opts.mtimeToleranceNs ?? 1000n;
  const ignored = (k: string, field: Field) =>
    (opts.ignore ?? []).some((ig) => {
      if (!ig.fields.includes(field)) return false;
      if (typeof ig.path === 'function') return ig.path(showPath(fromKey(k)));
      return key(typeof ig.path === 'string' ? Buffer.from(ig.path) : ig.path) === k;
    });
  const out: string[] = [];
  const only = (tree: Tree, other: Tree, label: string) => {
    const keys = [...tree.keys()].filter((k) => !other.has(k)).sort();
    const missing = new Set(keys);
    for (const k of keys) {
      const parent = k.includes('/') ? k.slice(0, k.lastIndexOf('/')) : '';
      if (k !== '' && missing.has(parent)) continue;
      const below = keys.filter((d) => d.startsWith(`${k}/`)).length;
      out.push(`${showPath(fromKey(k))}: only in ${label} (${tree.get(k)!.type}${below ? `, with ${below} entries below` : ''})`);
    }
  };
  only(a, b, la);
  only(b, a, lb);
  const groupsA = linkGroups(a);
  const groupsB = linkGroups(b);
  for (const k of [...a.keys()].sort()) {
    const x = a.get(k)!;
    const y = b.get(k);
    if (!y) continue;
    const shown = k === '' ? '/' : showPath(fromKey(k));
    const differ = (field: Field, what: string, va: string, vb: string) => {
      if (va !== vb && !ignored(k, field)) out.push(`${shown}: ${what} ${la} ${va}, ${lb} ${vb}`);
    };
    differ('type', 'type', x.type, y.type);
    if (x.type !== y.type) continue;
    differ('mode', 'mode', octal(x.mode), octal(y.mode));
    differ('owner', 'uid:gid', `${x.uid}:${x.gid}`, `${y.uid}:${y.gid}`);
    differ('size', 'size', String(x.size), String(y.size));
    differ('content', 'sha256', String(x.sha256), String(y.sha256));
    differ('target', 'symlink target', showPath(x.target ?? Buffer.alloc(0)), showPath(y.target ?? Buffer.alloc(0)));
    differ('device', 'device', x.device ? `${x.device.major}:${x.device.minor}` : '-', y.device ? `${y.device.major}:${y.device.minor}` : '-');
    differ('xattrs', 'xattrs', showXattrs(x.xattrs), showXattrs(y.xattrs));
    const dt = x.mtimeNs - y.mtimeNs;
    if ((dt > tolerance || dt < -tolerance) && !ignored(k, 'mtime')) out.push(`${shown}: mtime ${la} ${showTime(x.mtimeNs)}, ${lb} ${showTime(y.mtimeNs)}`);
    const ga = (groupsA.get(k) ?? [k]).map((p) => showPath(fromKey(p))).join(', ');
    const gb = (groupsB.get(k) ?? [k]).map((p) => showPath(fromKey(p))).join(', ');
    differ('links', 'hard links', `[${ga}]`, `[${gb}]`);
  }
  return out;
}

/** Reads both trees and compares them (see diffTrees). */
export async function diffDirs(a: string, b: string, opts: DiffOptions = {}): Promise<string[]> {
  return diffTrees(await readTree(a), await readTree(b), opts);
}

/**
 * The store's on-disk names, made and recognised here and nowhere else. Crash recovery finds
 * what a killed process left by its name, so the module that makes a name must be the one that
 * reads it back: a rename here changes both sides at once.
 *
 *   ctrimg.db                           the database
 *   blobs/sha256/<hex>                  a committed, verified blob
 *   ingest/<hex>.partial                a download under way or broken off (resumed, not a leftover)
 *   ingest/<hex>.lock                   who downloads that blob (a pid lock, pid-lock.ts)
 *   ingest/<hex>.<pid>.<rand>           a blob written whole, before its rename into blobs/
 *   ingest/.stream-<pid>-<rand>         a blob of a digest not known until it is written (a commit's layer)
 *   layers/<hex>                        a layer, named by its chain id
 *   layers/<hex>.lock                   who imports that layer
 *   layers/.importing-<pid>-<rand>-<hex> install's staging directory for that layer (dir importer)
 *   layers/.in-place-<pid>-<rand>-<hex>  a file marking layers/<hex> as an import under way in place (hcs)
 *   layers/.wclayer-temp-<pid>-<rand>   the temp directory a wclayer run stages its files in (hcs)
 *   layers/.tmp-<pid>-<rand>            an importer's temp directory (also in containers/)
 *   containers/<cid>                    a container's filesystem
 *   leases/<kind>-<pid>-<rand>          a lease (ops/leases.ts)
 *   <lock>.takeover                     beside a lock: held while a stale lock is taken over
 *   .tmp-<pid>-<rand>-<lock name>       beside a lock: the record being linked into place
 *
 * Every name a process makes to throw away or rename carries its pid, so what a crash left is
 * told apart from a live process's work. Identities (chain ids, container ids) must be 64
 * lowercase hex digits before a path is made of them, so none can name `.`, `..` or a path;
 * so must a blob digest's.
 */
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { failed } from '../errors.js';
import type { Digest } from '../image/digest.js';

/** The database, at the top of the root. */
export const DATABASE_FILE = 'ctrimg.db';

/** The store's directories, relative to the root (`/`-separated). */
export const BLOBS = 'blobs/sha256';
export const INGEST = 'ingest';
export const LAYERS = 'layers';
export const CONTAINERS = 'containers';
export const LEASES = 'leases';
export type StoreDir = typeof BLOBS | typeof INGEST | typeof LAYERS | typeof CONTAINERS | typeof LEASES;
export const STORE_DIRS: readonly StoreDir[] = [BLOBS, INGEST, LAYERS, CONTAINERS, LEASES];
/** Every directory the store owns, parents included: never deleted themselves, only what they hold. */
export const OWN_DIRS: readonly string[] = [...STORE_DIRS, 'blobs'];

/** A digest (blob digest, chain id) a path may be made of; its hex is the name. */
const DIGEST_FORM = /^sha256:([0-9a-f]{64})$/;
/**
 * A name's random part: unique between the processes and attempts that make names side by side.
 * From the global Web Crypto object, so that the help, which names the database file, does not
 * load node:crypto.
 */
const rand = () => Buffer.from(crypto.getRandomValues(new Uint8Array(4))).toString('hex');
const at = (root: string, dir: StoreDir, ...names: string[]) => join(root, ...dir.split('/'), ...names);

export const databasePath = (root: string) => join(root, DATABASE_FILE);
export const storeDir = (root: string, dir: StoreDir) => at(root, dir);

/**
 * A blob digest's hex, checked like any identity: digests reach here from the database as
 * strings (gc, repair), and `sha256:../../ctrimg.db` must not name the database.
 */
const blobHex = (digest: Digest) => identity('blob digest', digest, DIGEST_FORM);
export const blobPath = (root: string, digest: Digest) => at(root, BLOBS, blobHex(digest));
export const partialPath = (root: string, digest: Digest) => at(root, INGEST, `${blobHex(digest)}.partial`);
export const ingestLockPath = (root: string, digest: Digest) => at(root, INGEST, `${blobHex(digest)}.lock`);
/** A fresh temp file for a blob written whole, renamed into blobs/ once written. */
export const ingestTempPath = (root: string, digest: Digest) => at(root, INGEST, `${blobHex(digest)}.${process.pid}.${rand()}`);
/** A fresh temp file for a blob hashed while it is written, renamed into blobs/ under the digest found. */
export const streamTempPath = (root: string) => at(root, INGEST, `.stream-${process.pid}-${rand()}`);

/** The directory of the layer with this chain id (`sha256:<hex>`); BAD_IDENTITY for anything else. */
export function layerDir(root: string, chainId: string): string {
  return at(root, LAYERS, identity('layer chain id', chainId, DIGEST_FORM));
}

/** The lock held while a layer is imported (pull-layers.ts). */
export const layerLockPath = (root: string, chainId: string) => `${layerDir(root, chainId)}.lock`;

/** A fresh staging directory for the layer at `layerPath`, renamed to it once every check passed. */
export const stagingPath = (layerPath: string) => join(dirname(layerPath), `.importing-${process.pid}-${rand()}-${basename(layerPath)}`);

/**
 * The marker of an import made straight into the layer at `layerPath`, written before the import
 * starts and removed once the image that brought the layer is recorded (or the layer removed):
 * while it exists the layer is unfinished.
 */
export const inPlaceMarkerPath = (layerPath: string) => join(dirname(layerPath), `.in-place-${process.pid}-${rand()}-${basename(layerPath)}`);

/** A fresh directory beside the layer at `layerPath` for a wclayer run's temp files (its TEMP), so a killed run's files are found. */
export const wclayerTempPath = (layerPath: string) => join(dirname(layerPath), `.wclayer-temp-${process.pid}-${rand()}`);

/** The directory of the container with this cid (64 lowercase hex digits); BAD_IDENTITY for anything else. */
export function containerDir(root: string, cid: string): string {
  return at(root, CONTAINERS, identity('container id', cid, /^([0-9a-f]{64})$/));
}

/** A fresh temp directory beside `dest` for an importer to build it in, renamed to it when complete. */
export const importerTempPath = (dest: string) => join(dirname(dest), `.tmp-${process.pid}-${rand()}`);

/** A fresh lease file of `kind` (a lowercase word) for this process. */
export const leasePath = (root: string, kind: string) => at(root, LEASES, `${kind}-${process.pid}-${rand()}`);

/** The takeover lock of the lock at `lockPath` (pid-lock.ts). */
export const takeoverPath = (lockPath: string) => `${lockPath}${TAKEOVER}`;

/** A fresh file beside `lockPath` where this process writes its record before linking it there. */
export const lockTempPath = (lockPath: string) => join(dirname(lockPath), `.tmp-${process.pid}-${rand()}-${basename(lockPath)}`);

/** `path` relative to `root`, `/`-separated, as findings and leftovers name things. */
export function storeRelative(root: string, path: string): string {
  const rel = relative(root, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel.split('\\').join('/');
}

/** What a name in one of the store's directories is. */
export type StoreName =
  | { kind: 'blob'; digest: Digest }
  | { kind: 'partial'; digest: Digest }
  | { kind: 'ingest-temp'; digest: Digest; pid: number }
  | { kind: 'stream-temp'; pid: number }
  | { kind: 'lock'; digest: Digest }
  | { kind: 'takeover'; digest: Digest }
  | { kind: 'lock-temp'; pid: number }
  | { kind: 'layer'; chainId: Digest }
  | { kind: 'staging'; chainId: Digest; pid: number }
  | { kind: 'in-place-marker'; chainId: Digest; pid: number }
  | { kind: 'wclayer-temp'; pid: number }
  | { kind: 'importer-temp'; pid: number }
  | { kind: 'container'; cid: string }
  | { kind: 'lease'; lease: string; pid: number };

export type StoreNameKind = StoreName['kind'];

/** Names that carry the pid of the process that made them to throw away or rename. */
export type PidName = Extract<StoreName, { pid: number }>;

const TAKEOVER = '.takeover';
const HEX = '[0-9a-f]{64}';
const PID = '([1-9]\\d*)';
const LOCK_NAME = `${HEX}\\.lock(?:\\${TAKEOVER})?`;
/** Older importers made these with mkdtemp (six random letters and digits). */
const IMPORTER_TEMP = new RegExp(`^\\.tmp-${PID}-[A-Za-z0-9]+$`);

/** The forms each directory may hold, tried in order; the first match names the entry. */
const FORMS: Record<StoreDir, Array<[RegExp, (m: RegExpExecArray) => StoreName]>> = {
  [BLOBS]: [[new RegExp(`^(${HEX})$`), (m) => ({ kind: 'blob', digest: digestOf(m[1]!) })]],
  [INGEST]: [
    [new RegExp(`^(${HEX})\\.partial$`), (m) => ({ kind: 'partial', digest: digestOf(m[1]!) })],
    [new RegExp(`^(${HEX})\\.lock$`), (m) => ({ kind: 'lock', digest: digestOf(m[1]!) })],
    [new RegExp(`^(${HEX})\\.lock\\${TAKEOVER}$`), (m) => ({ kind: 'takeover', digest: digestOf(m[1]!) })],
    [new RegExp(`^(${HEX})\\.${PID}\\.[0-9a-f]+$`), (m) => ({ kind: 'ingest-temp', digest: digestOf(m[1]!), pid: Number(m[2]) })],
    [new RegExp(`^\\.stream-${PID}-[0-9a-f]+$`), (m) => ({ kind: 'stream-temp', pid: Number(m[1]) })],
    [new RegExp(`^\\.tmp-${PID}-[0-9a-f]+-${LOCK_NAME}$`), (m) => ({ kind: 'lock-temp', pid: Number(m[1]) })],
  ],
  [LAYERS]: [
    [new RegExp(`^(${HEX})$`), (m) => ({ kind: 'layer', chainId: digestOf(m[1]!) })],
    [new RegExp(`^(${HEX})\\.lock$`), (m) => ({ kind: 'lock', digest: digestOf(m[1]!) })],
    [new RegExp(`^(${HEX})\\.lock\\${TAKEOVER}$`), (m) => ({ kind: 'takeover', digest: digestOf(m[1]!) })],
    [new RegExp(`^\\.importing-${PID}-[0-9a-f]+-(${HEX})$`), (m) => ({ kind: 'staging', chainId: digestOf(m[2]!), pid: Number(m[1]) })],
    [new RegExp(`^\\.in-place-${PID}-[0-9a-f]+-(${HEX})$`), (m) => ({ kind: 'in-place-marker', chainId: digestOf(m[2]!), pid: Number(m[1]) })],
    [new RegExp(`^\\.wclayer-temp-${PID}-[0-9a-f]+$`), (m) => ({ kind: 'wclayer-temp', pid: Number(m[1]) })],
    [new RegExp(`^\\.tmp-${PID}-[0-9a-f]+-${LOCK_NAME}$`), (m) => ({ kind: 'lock-temp', pid: Number(m[1]) })],
    [IMPORTER_TEMP, (m) => ({ kind: 'importer-temp', pid: Number(m[1]) })],
  ],
  [CONTAINERS]: [
    [new RegExp(`^(${HEX})$`), (m) => ({ kind: 'container', cid: m[1]! })],
    [IMPORTER_TEMP, (m) => ({ kind: 'importer-temp', pid: Number(m[1]) })],
  ],
  [LEASES]: [[new RegExp(`^([a-z]+)-${PID}-`), (m) => ({ kind: 'lease', lease: m[1]!, pid: Number(m[2]) })]],
};

/** What `entry`, a name in `dir`, is; undefined for a name the store never makes there. */
export function classify(dir: StoreDir, entry: string): StoreName | undefined {
  for (const [form, make] of FORMS[dir]) {
    const m = form.exec(entry);
    if (m) return make(m);
  }
  return undefined;
}

/** The pid a name made to be thrown away or renamed carries, with its kind; undefined for any other name. */
export function parseLeftoverName(dir: StoreDir, entry: string): PidName | undefined {
  const name = classify(dir, entry);
  return name && 'pid' in name ? name : undefined;
}

function identity(what: string, id: string, form: RegExp): string {
  const hex = form.exec(id)?.[1];
  if (hex) return hex;
  throw failed(`refusing the ${what} ${JSON.stringify(id)}: it is not 64 lowercase hex digits, so no path is derived from it`, {
    code: 'BAD_IDENTITY',
    hint: 'the database may be damaged; repair the store',
  });
}

const digestOf = (hex: string): Digest => `sha256:${hex}`;

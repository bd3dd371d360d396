/**
 * A Windows layer tar checked as hcsshim's `wclayer import` will take it, entry by entry as the
 * tar streams past, so that wclayer can be stopped at the first entry it would fail on. The
 * rules follow hcsshim rule for rule: pkg/ociwclayer/import.go (writeLayerFromTar: which entries
 * are whiteouts, hard links or files), internal/wclayer/baselayerwriter.go (a layer with no
 * parents) and legacy.go (legacyLayerWriter: a layer with parents), internal/safefile (how a
 * name is opened) and go-winio's backuptar (PAX records, alternate data streams). Each rule
 * cites its function. ctrimg is stricter in two places, both kept on purpose: only `Files`,
 * `Hives` and `UtilityVM` directories at the top (hcsshim's writers take any name and leave it
 * to HCS, whose code cannot be read), and a name that would leave the layer is UNSAFE_TAR
 * (design rule 4; safefile refuses it too, later).
 *
 * Memory stays flat in the data; it grows with the number of names, which hcsshim keeps too
 * (the file system for a base layer, addedFiles for a child layer), by a hash of each (keyOf).
 */
import { PassThrough, type Readable } from 'node:stream';
import { CtrimgError, failed } from '../errors.js';
import { digestHex, sha256 } from '../image/digest.js';
import { fromBuffer, shown, type BytePath } from './byte-paths.js';
import { contentBytes } from './content-size.js';
import { invalid, unsafe } from './paths.js';
import type { TarHeader } from './tar/header.js';
import { parsePaxTime } from './tar/numbers.js';
import { readTar } from './tar/reader.js';
import { WHITEOUT_PREFIX } from './whiteouts.js';

const TOP = new Set(['Files', 'Hives', 'UtilityVM']);
const FILE_ATTRIBUTE_DIRECTORY = 0x10;

function notWindows(subject: string, why: string): CtrimgError {
  return failed(`invalid Windows layer tar: ${subject} ${why}`, {
    code: 'INVALID_WINDOWS_LAYER',
    hint: 'this is not a Windows container layer; choose the image for this platform, or import it with the dir importer',
  });
}

/** Go's path.Clean ('/' only): `..` resolved lexically, kept at the front of a relative path. */
function goClean(p: string): string {
  const rooted = p.startsWith('/');
  const out = resolveDots(p.split('/'), rooted);
  return (rooted ? '/' : '') + out.join('/') || (rooted ? '/' : '.');
}

function resolveDots(parts: string[], rooted: boolean): string[] {
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part !== '..') out.push(part);
    else if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (!rooted) out.push('..');
  }
  return out;
}

/** Go's path.Base. */
function goBase(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return p === '' ? '.' : '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** The file writeLayerFromTar removes for a whiteout: path.Join(path.Dir(name), base minus `.wh.`). */
function removedBy(name: string, base: string): string {
  const dir = goClean(name.slice(0, name.lastIndexOf('/') + 1));
  const rest = base.slice(WHITEOUT_PREFIX.length);
  return rest === '' ? dir : goClean(`${dir}/${rest}`);
}

/**
 * A name as hcsshim opens it on Windows: filepath.FromSlash then filepath.Clean, so `/` and `\`
 * both separate and `..` is resolved before the file system sees it.
 */
interface WinPath {
  parts: string[];
  rooted: boolean;
}
function windowsPath(name: string): WinPath {
  const rooted = /^[\\/]/.test(name);
  return { parts: resolveDots(name.split(/[\\/]/), rooted), rooted };
}

/** hasPathPrefix in legacy.go: strictly below `prefix`. */
const below = (p: WinPath, ...prefix: string[]) =>
  !p.rooted && p.parts.length > prefix.length && prefix.every((part, i) => p.parts[i] === part);

/**
 * What the maps below keep of a name: 128 bits of its sha256 as a 16-character string of its
 * own (a slice would keep the whole digest alive), not the name, which in a base layer is
 * often five times as long. A collision, about 2^-90 likely among 300,000 names, could only
 * refuse a layer.
 */
const keyOf = (name: string) => Buffer.from(digestHex(sha256(name)).slice(0, 32), 'hex').toString('latin1');

/** addedFiles' key in legacy.go: the cleaned name, compared exactly. */
const exact = (parts: string[]) => keyOf(parts.join('\\'));

/**
 * The file system's key for a name: NTFS compares names without case (code unit by code unit,
 * its upcase table; toUpperCase where that keeps the length is the nearest), and Go hands
 * Windows the name as UTF-8 decoded, invalid bytes as U+FFFD.
 */
function onDisk(parts: string[]): string {
  const text = Buffer.from(parts.join('\\'), 'latin1').toString('utf8');
  // Upper case never shortens a character: the same length means no character was widened.
  const upper = text.toUpperCase();
  return keyOf(upper.length === text.length ? upper : Array.from(text, (c) => (c.toUpperCase().length === c.length ? c.toUpperCase() : c)).join(''));
}

/** What a name is once written: a symlink is a reparse point, never a parent nor a link target. */
type Kind = 'directory' | 'file' | 'symlink';

type Header = Pick<TarHeader, 'name' | 'type' | 'typeflag' | 'linkname' | 'pax'>;

/** backuptar.FileInfoFromHeader: MSWINDOWS.fileattr decides, else the tar type. */
function kindOf(h: Header): Kind {
  if (h.typeflag === '2') return 'symlink';
  const attr = h.pax.get('MSWINDOWS.fileattr');
  const dir = attr !== undefined ? (Number(attr.toString('latin1')) & FILE_ATTRIBUTE_DIRECTORY) !== 0 : h.type === 'directory';
  return dir ? 'directory' : 'file';
}

/** Go's tar.TypeReg ('\0' without a trailing slash reads as '0'). */
const isGoTypeReg = (h: Header) => h.typeflag === '0' || (h.typeflag === '\0' && h.type === 'file');

/** Checks one header at a time, in tar order; throws INVALID_WINDOWS_LAYER (or UNSAFE_TAR) on the first bad entry. */
class WindowsLayerRules {
  /** Names written so far, by their on-disk key (base layer: the layer; child layer: the staging directory). */
  private readonly written = new Map<string, Kind>();
  /** legacyLayerWriter.addedFiles: every name a child layer added, cleaned, compared exactly. */
  private readonly added = new Map<string, Kind>();
  /** legacyLayerWriter.HasUtilityVM: the parent's utility VM has been cloned into this layer. */
  private hasUtilityVM = false;
  /** The raw name of the last file added: the entries after it named `<name>:<stream>` are its alternate data streams. */
  private streamsOf: string | undefined;

  /** `base`: the layer has no parents (hcsshim's NewLayerWriter picks baseLayerWriter). */
  constructor(private readonly base: boolean) {}

  check(h: Header): void {
    const name = fromBuffer(h.name);
    // backuptar.WriteBackupStreamFromTarFile takes regular files named `<file>:<stream>` right
    // after a file as its alternate data streams; they are never added as names.
    if (this.streamsOf !== undefined && isGoTypeReg(h) && name.startsWith(`${this.streamsOf}:`)) return;
    this.streamsOf = undefined;
    const subject = `entry '${shown(name)}'`;
    const path = this.inside(name, subject);
    const base = goBase(name);
    if (!TOP.has(path.parts[0] ?? '')) throw notWindows(subject, 'is not under Files/, Hives/ or UtilityVM/');
    // writeLayerFromTar: a `.wh.` base name is a whiteout whatever its type.
    if (base.startsWith(WHITEOUT_PREFIX)) return this.remove(removedBy(name, base), subject);
    if (path.parts.length === 1 && (h.typeflag === '1' || kindOf(h) !== 'directory')) throw notWindows(subject, 'must be a directory');
    if (h.typeflag === '1') {
      const link = `hard link '${shown(name)}' -> '${shown(fromBuffer(h.linkname))}'`;
      return this.addLink(path, this.inside(fromBuffer(h.linkname), link), link);
    }
    checkWindowsRecords(h.pax, subject);
    this.add(name, path, h, subject);
    this.streamsOf = name;
  }

  /**
   * The name as a path inside the layer. One that leaves it (rooted, or `..` past the top) is
   * refused as unsafe (rule 4; safefile would refuse it too: "expected relative path", and NT
   * takes no `..`). A `:` outside an alternate data stream fails safefile's
   * cleanGoStringRelativePath ("path contains invalid character"), wherever hcsshim uses it.
   */
  private inside(name: BytePath, subject: string): WinPath {
    const path = windowsPath(name);
    if (path.rooted) throw unsafe(subject, 'has an absolute path');
    if (path.parts[0] === '..') throw unsafe(subject, "leaves the layer through '..'");
    if (name.includes(':')) throw notWindows(subject, "has a ':' and is not an alternate data stream of the file before it");
    return path;
  }

  /** baseLayerWriter.Remove and legacyLayerWriter.Remove. */
  private remove(target: string, subject: string): void {
    if (this.base) throw notWindows(subject, 'is a whiteout in a base layer, which has nothing below it to delete');
    const path = windowsPath(target);
    // A tombstone under Files\ is applied after the import, and one that names nothing is
    // ignored (os.IsNotExist): an opaque whiteout there, `.wh..wh..opq`, deletes nothing.
    if (below(path, 'Files')) return;
    if (below(path, 'UtilityVM', 'Files')) {
      // Remove clones the parent's utility VM (initUtilityVM), then requires the target to
      // exist in it; no layer can hold a `.wh.` name, so an opaque whiteout always fails.
      this.hasUtilityVM = true;
      if (goBase(target).startsWith(WHITEOUT_PREFIX)) throw notWindows(subject, 'is an opaque whiteout under UtilityVM/Files/, which hcsshim cannot apply');
      return;
    }
    throw notWindows(subject, 'is a whiteout outside Files/ and UtilityVM/Files/');
  }

  /** baseLayerWriter.AddLink (safefile.LinkRelative at once) and legacyLayerWriter.AddLink. */
  private addLink(path: WinPath, target: WinPath, link: string): void {
    if (this.base) {
      // Anywhere in the layer, to a file already written.
      const kind = this.written.get(onDisk(target.parts));
      if (kind === undefined) throw notWindows(link, 'links to a name not yet in the layer');
      if (kind !== 'file') throw notWindows(link, `links to a ${kind}`);
      this.write(path, 'file', link);
      return;
    }
    const toFiles = below(target, 'Files');
    const toUtilityVM = below(target, 'UtilityVM', 'Files');
    if (!(toFiles || toUtilityVM) || !(below(path, 'Files') || below(path, 'UtilityVM', 'Files'))) {
      throw notWindows(link, 'is not within Files/ or UtilityVM/Files/');
    }
    const kind = this.added.get(exact(target.parts));
    // Not added here: looked for in the parent layers (Files\) or the cloned utility VM
    // (UtilityVM\Files\), which exists only once cloned.
    if (kind === undefined && toUtilityVM && !this.hasUtilityVM) throw notWindows(link, "links into UtilityVM/Files/ before the 'UtilityVM' entry");
    if (kind !== undefined && kind !== 'file') throw notWindows(link, `links to a ${kind}`);
    this.added.set(exact(path.parts), 'file');
  }

  /** baseLayerWriter.Add and legacyLayerWriter.Add. */
  private add(name: string, path: WinPath, h: Header, subject: string): void {
    const kind = kindOf(h);
    if (this.base) return this.write(path, kind, subject);
    // Compared before the name is cleaned: `UtilityVM/` or `./UtilityVM` is an ordinary directory.
    if (name === 'UtilityVM') {
      this.hasUtilityVM = true;
      // Add returns with no file open, so writing its security descriptor or extended
      // attributes fails with "closed" (legacyLayerWriter.Write).
      if ([...h.pax.keys()].some((k) => k === 'MSWINDOWS.rawsd' || k === 'MSWINDOWS.sd' || k.startsWith('MSWINDOWS.xattr.'))) {
        throw notWindows(subject, 'carries a security descriptor or extended attributes, which hcsshim cannot write to the UtilityVM entry of a layer with parents');
      }
      return;
    }
    if (below(path, 'UtilityVM')) {
      // Written straight into the clone of the parent's utility VM, over what is there.
      if (!this.hasUtilityVM) throw notWindows(subject, "comes before an entry named exactly 'UtilityVM'");
      if (path.parts[1] !== 'Files') throw notWindows(subject, 'is in UtilityVM/ but not in UtilityVM/Files/, which a layer with parents may not change');
    } else {
      this.write(path, kind, subject);
    }
    this.added.set(exact(path.parts), kind);
  }

  /**
   * safefile's FILE_CREATE of `path` below the root: its parent must already be a directory
   * (no reparse point on the way), and the name must be new (on disk, without case).
   */
  private write(path: WinPath, kind: Kind, subject: string): void {
    const parent = path.parts.slice(0, -1);
    const parentKind = parent.length > 0 ? this.written.get(onDisk(parent)) : 'directory';
    if (parentKind === undefined) throw notWindows(subject, `comes before its parent directory '${shown(parent.join('/'))}'`);
    if (parentKind !== 'directory') throw notWindows(subject, `is inside '${shown(parent.join('/'))}', a ${parentKind}`);
    const key = onDisk(path.parts);
    if (this.written.has(key)) throw notWindows(subject, 'names something already in the layer');
    this.written.set(key, kind);
  }
}

/** Go's base64.StdEncoding: padded, standard alphabet; line breaks are ignored. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const isBase64 = (value: Buffer) => BASE64.test(value.toString('latin1').replace(/[\r\n]/g, ''));

/**
 * The PAX records hcsshim's import reads for a file or directory (go-winio's backuptar): the
 * file attributes (a 32-bit decimal), the creation time (a PAX time), the raw security descriptor
 * and extended attributes (base64). A malformed one would fail `wclayer import` halfway through.
 * (`MSWINDOWS.sd`, SDDL text, is parsed by Windows itself and is not checked here.)
 */
function checkWindowsRecords(pax: Map<string, Buffer>, subject: string): void {
  for (const [key, value] of pax) {
    let ok = true;
    if (key === 'MSWINDOWS.fileattr') {
      const text = value.toString('latin1');
      ok = /^[0-9]+$/.test(text) && Number(text) <= 0xffffffff;
    } else if (key === 'LIBARCHIVE.creationtime') {
      ok = parsePaxTime(value.toString('latin1')) !== undefined;
    } else if (key === 'MSWINDOWS.rawsd' || key.startsWith('MSWINDOWS.xattr.')) {
      ok = isBase64(value);
    }
    if (!ok) throw notWindows(subject, `has a malformed PAX record '${key}'`);
  }
}

/**
 * Reads a whole layer tar and checks every entry; rejects on the first bad one, after which
 * the rest of `input` is not read. Resolves once `input` has ended, with the layer's content
 * bytes (content-size.ts).
 */
export async function validateWindowsLayer(input: Readable, opts: { base: boolean }): Promise<number> {
  const rules = new WindowsLayerRules(opts.base);
  // The hcs importer pipes the same stream to wclayer: a pipe here too lets the slower reader
  // set the pace, where reading the input directly would ignore the other pipe's backpressure.
  const through = new PassThrough();
  const stop = (err: Error) => through.destroy(err);
  // Destroyed without an error (as a failed import does to it), the input only closes.
  const onClose = () => {
    if (!input.readableEnded) stop(input.errored ?? new Error('the layer stream was closed before its end'));
  };
  input.on('error', stop);
  input.on('close', onClose);
  input.pipe(through);
  // The input may have failed before we were given it: its 'error' and 'close' are gone by now.
  if (input.destroyed) stop(input.errored ?? new Error('the layer stream was closed before it was read'));
  try {
    // A PAX global header is an entry to Go's tar reader, and hcsshim adds it as a file named
    // by its header (`pax_global_header` at the top, refused with the other stray names).
    let bytes = 0;
    for await (const entry of readTar(through)) {
      rules.check(entry.header);
      bytes += contentBytes(entry.header);
    }
    return bytes;
  } catch (err) {
    if (err instanceof CtrimgError || err === input.errored) throw err;
    throw invalid('layer', `could not be read as a tar archive: ${(err as Error).message}`);
  } finally {
    input.unpipe(through);
    input.off('error', stop);
    input.off('close', onClose);
  }
}

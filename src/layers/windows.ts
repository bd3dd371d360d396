/**
 * The shape of a Windows layer tar, as hcsshim's `wclayer import` expects it: everything under
 * `Files/` (the container's C:\), `Hives/` (registry hives) or `UtilityVM/` (the utility VM's
 * image); whiteouts and hard links only among files (`Files/`, `UtilityVM/Files/`); no
 * whiteouts in a base layer, which has nothing below it to delete; and the `UtilityVM`
 * directory before anything in it. Checked entry by entry as the tar streams past, so memory
 * stays flat whatever the layer's size.
 */
import { PassThrough, type Readable } from 'node:stream';
import { CtrimgError, failed } from '../errors.js';
import { fromBuffer, shown } from './byte-paths.js';
import { entryPath, invalid } from './paths.js';
import type { TarHeader } from './tar/header.js';
import { parsePaxTime } from './tar/numbers.js';
import { readTar } from './tar/reader.js';
import { isWhiteout } from './whiteouts.js';

const TOP = new Set(['Files', 'Hives', 'UtilityVM']);
const FILE_TREES = ['Files/', 'UtilityVM/Files/'];

function notWindows(subject: string, why: string): CtrimgError {
  return failed(`invalid Windows layer tar: ${subject} ${why}`, {
    code: 'INVALID_WINDOWS_LAYER',
    hint: 'this is not a Windows container layer; choose the image for this platform, or import it with the dir importer',
  });
}

const inFileTree = (rel: string) => FILE_TREES.some((t) => rel.startsWith(t));

/** Checks one header at a time, in tar order; throws INVALID_WINDOWS_LAYER (or UNSAFE_TAR) on the first bad entry. */
class WindowsLayerRules {
  private sawUtilityVM = false;

  /** `base`: the layer has no parents. */
  constructor(private readonly base: boolean) {}

  check(h: Pick<TarHeader, 'name' | 'type' | 'typeflag' | 'linkname' | 'pax'>): void {
    const name = fromBuffer(h.name);
    const subject = `entry '${shown(name)}'`;
    const rel = entryPath(name, subject);
    const [top = '', ...below] = rel.split('/');
    if (!TOP.has(top)) throw notWindows(subject, 'is not under Files/, Hives/ or UtilityVM/');
    if (below.length === 0) {
      if (h.type !== 'directory') throw notWindows(subject, 'must be a directory');
      if (top === 'UtilityVM') this.sawUtilityVM = true;
      checkWindowsRecords(h.pax, subject);
      return;
    }
    if (top === 'UtilityVM' && !this.sawUtilityVM) throw notWindows(subject, "comes before the 'UtilityVM' directory entry");
    const whiteout = isWhiteout(below[below.length - 1]!);
    if (whiteout) {
      if (!inFileTree(rel)) throw notWindows(subject, 'is a whiteout outside Files/ and UtilityVM/Files/');
      if (this.base) throw notWindows(subject, 'is a whiteout in a base layer');
    }
    if (h.type === 'link') {
      const link = `hard link '${shown(name)}' -> '${shown(fromBuffer(h.linkname))}'`;
      const target = entryPath(fromBuffer(h.linkname), link);
      if (!inFileTree(rel) || !inFileTree(target)) throw notWindows(link, 'is not within Files/ or UtilityVM/Files/');
      return;
    }
    // hcsshim reads these records for what it adds, not for whiteouts and hard links.
    if (!whiteout) checkWindowsRecords(h.pax, subject);
  }
}

/** Go's base64.StdEncoding: padded, standard alphabet; line breaks are ignored. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const isBase64 = (value: Buffer) => BASE64.test(value.toString('latin1').replace(/[\r\n]/g, ''));

/**
 * The PAX records hcsshim's import reads for a file or directory (go-winio's backuptar): the
 * file attributes (a 32-bit decimal), the creation time (a PAX time), the raw security descriptor
 * and extended attributes (base64). A malformed one would fail `wclayer import` halfway through.
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
 * the rest of `input` is not read. Resolves once `input` has ended.
 */
export async function validateWindowsLayer(input: Readable, opts: { base: boolean }): Promise<void> {
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
    for await (const entry of readTar(through)) {
      // A PAX global header describes no file (containerd and umoci skip it too).
      if (entry.header.typeflag !== 'g') rules.check(entry.header);
    }
  } catch (err) {
    if (err instanceof CtrimgError || err === input.errored) throw err;
    throw invalid('layer', `could not be read as a tar archive: ${(err as Error).message}`);
  } finally {
    input.unpipe(through);
    input.off('error', stop);
    input.off('close', onClose);
  }
}

/**
 * The shape of a Windows layer tar, as hcsshim's `wclayer import` expects it: everything under
 * `Files/` (the container's C:\), `Hives/` (registry hives) or `UtilityVM/` (the utility VM's
 * image); whiteouts and hard links only among files (`Files/`, `UtilityVM/Files/`); no
 * whiteouts in a base layer, which has nothing below it to delete; and the `UtilityVM`
 * directory before anything in it. Checked entry by entry as the tar streams past, so memory
 * stays flat whatever the layer's size.
 */
import type { Readable, Writable } from 'node:stream';
import tar, { type Header } from 'tar-stream';
import { CtrimgError, failed } from '../errors.js';
import { entryPath, invalid } from './paths.js';
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
export class WindowsLayerRules {
  private sawUtilityVM = false;

  /** `base`: the layer has no parents. */
  constructor(private readonly base: boolean) {}

  check(h: Pick<Header, 'name' | 'type' | 'linkname'>): void {
    const subject = `entry '${h.name}'`;
    const rel = entryPath(h.name);
    const [top = '', ...below] = rel.split('/');
    if (!TOP.has(top)) throw notWindows(subject, 'is not under Files/, Hives/ or UtilityVM/');
    if (below.length === 0) {
      if (h.type !== 'directory') throw notWindows(subject, 'must be a directory');
      if (top === 'UtilityVM') this.sawUtilityVM = true;
      return;
    }
    if (top === 'UtilityVM' && !this.sawUtilityVM) throw notWindows(subject, "comes before the 'UtilityVM' directory entry");
    const name = below[below.length - 1]!;
    if (isWhiteout(name)) {
      if (!inFileTree(rel)) throw notWindows(subject, 'is a whiteout outside Files/ and UtilityVM/Files/');
      if (this.base) throw notWindows(subject, 'is a whiteout in a base layer');
    }
    if (h.type === 'link') {
      const target = entryPath(h.linkname ?? '', `hard link '${h.name}' -> '${h.linkname ?? ''}'`);
      if (!inFileTree(rel) || !inFileTree(target)) {
        throw notWindows(`hard link '${h.name}' -> '${h.linkname ?? ''}'`, 'is not within Files/ or UtilityVM/Files/');
      }
    }
  }
}

/**
 * Reads a whole layer tar and checks every entry; rejects on the first bad one, after which
 * the rest of `input` is not read. Resolves once `input` has ended.
 */
export async function validateWindowsLayer(input: Readable, opts: { base: boolean }): Promise<void> {
  const rules = new WindowsLayerRules(opts.base);
  // tar-stream's streams are streamx streams: fed with pipe(), errors forwarded by hand.
  const extract = tar.extract();
  let current: { destroy(err?: Error): void } | undefined;
  const stop = (err: Error) => {
    current?.destroy(err);
    extract.destroy(err);
  };
  // Destroyed without an error (as a failed import does to it), the input only closes.
  const onClose = () => {
    if (!input.readableEnded) stop(input.errored ?? new Error('the layer stream was closed before its end'));
  };
  input.on('error', stop);
  input.on('close', onClose);
  input.pipe(extract as unknown as Writable);
  // The input may have failed before we were given it: its 'error' and 'close' are gone by now.
  if (input.destroyed) stop(input.errored ?? new Error('the layer stream was closed before it was read'));
  try {
    for await (const entry of extract) {
      current = entry;
      rules.check(entry.header);
      for await (const _ of entry);
      current = undefined;
    }
  } catch (err) {
    if (err instanceof CtrimgError || err === input.errored) throw err;
    throw invalid('layer', `could not be read as a tar archive: ${(err as Error).message}`);
  } finally {
    input.unpipe(extract as unknown as Writable);
    input.off('error', stop);
    input.off('close', onClose);
  }
}

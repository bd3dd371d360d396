/**
 * The `hcs` importer (default on Windows): layers and containers' scratch layers are made by
 * hcsshim's `wclayer` tool, which hands them to the Host Compute Service.
 *
 * - import: `wclayer import -l <parent> ... <layerPath>` (parents nearest first, none for a base
 *   layer) with the uncompressed tar on stdin, straight into the layer's final directory: HCS
 *   derives a layer's id from its directory's name, and a base layer's blank.vhdx records its
 *   path, so an imported layer is never moved (moby and containerd never move one either). Then
 *   `layerchain.json` in the layer, holding the parents' paths nearest first, as moby writes it
 *   (`null` for a base layer, json.Marshal of a nil slice).
 * - wclayer stages a non-base layer in a `hcs*` directory under its TEMP and deletes it when done;
 *   a killed run cannot. Its TEMP is set to a directory of the store (layout.ts wclayerTempPath),
 *   so that what a killed run left is found and removed as any other leftover. Not for a process
 *   running as SYSTEM: Go (1.22 on) asks GetTempPath2, which then ignores TEMP and answers
 *   C:\Windows\SystemTemp, where a killed run's `hcs*` directory cannot be told from others'.
 * - container: `wclayer create -l <layer> ... <containerPath>`, its scratch disk grown as moby
 *   grows it (importers/scratch.ts), plus its `layerchain.json`.
 * - on Windows, before anything changes (ensureReady): the Backup and Restore privileges wclayer
 *   needs, and an NTFS store volume, asked of the host through importers/windows-host.ts.
 * - removal and any failure: `wclayer remove <path>`, which also releases what HCS holds.
 * - a commit: `wclayer export -l <layer> ... <containerPath>` writes the scratch layer's tar.
 *
 * The tar is checked against the Windows layer rules (src/layers/windows.ts) while it flows to
 * wclayer, not before, so a 2 GB layer is read once and never held. "Validated before import"
 * still holds where it matters: on the first bad entry wclayer is killed and what it wrote is
 * removed, so nothing of an invalid layer is kept or registered, and install records nothing.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { wclayerTempPath } from '../content/layout.js';
import { failed } from '../errors.js';
import { lstatOrUndefined } from '../layers/paths.js';
import { validateWindowsLayer } from '../layers/windows.js';
import { mustNotExist } from './destination.js';
import { BLANK_SCRATCH_SIZE, DEFAULT_SCRATCH_SIZE } from './scratch.js';
import type { ContainerOptions, ImportOptions, LayerImporter } from './types.js';
import { findWclayer, runWclayer, startWclayer } from './wclayer.js';
import { assertHostReady, growScratch, type WindowsHost } from './windows-host.js';

export const LAYERCHAIN = 'layerchain.json';

const parentArgs = (paths: string[]) => paths.flatMap((p) => ['-l', p]);
/** moby's setLayerChain: json.Marshal of the parents, `null` when there are none. */
const layerChain = (parents: string[]) => JSON.stringify(parents.length > 0 ? parents : null);

/** What HcsImporter asks of the host it runs on; without a host (a wclayer stand-in off Windows) nothing is asked. */
export interface HcsHost {
  windows: WindowsHost;
  /** The store root: its volume must be NTFS. */
  root: string;
}

export class HcsImporter implements LayerImporter {
  readonly kind = 'hcs' as const;
  readonly importsInPlace = true;
  private exe?: Promise<string>;
  private ready?: Promise<void>;

  /** `env`: where CTRIMG_WCLAYER and PATH are looked up, and wclayer's environment. */
  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly host?: HcsHost,
  ) {}

  /** Looked up on first use, so that commands that import nothing never need wclayer. */
  private executable(): Promise<string> {
    this.exe ??= findWclayer(this.env);
    return this.exe;
  }

  /** Checked once: wclayer is found, the process may import (host privileges), the store is on NTFS. */
  ensureReady(): Promise<void> {
    this.ready ??= (async () => {
      await this.executable();
      if (this.host) await assertHostReady(this.host.windows, this.host.root);
    })();
    return this.ready;
  }

  async importLayer(tar: Readable, layerPath: string, opts: ImportOptions): Promise<number> {
    // Awaited below: marked handled now, so a parent failing meanwhile is not an unhandled rejection.
    opts.parentsReady?.catch(() => {});
    opts.signal?.throwIfAborted();
    const exe = await this.executable();
    await mustNotExist(layerPath, 'import layer');
    // wclayer reads the parent layers as it imports: they must all be in place before it starts.
    if (opts.parentsReady) await untilSettled(opts.parentsReady, opts.signal);
    // wclayer stages only a layer with parents under TEMP (hcsshim's NewLayerWriter); a base layer is written in place.
    const temp = opts.parents.length > 0 ? wclayerTempPath(layerPath) : undefined;
    if (temp) await mkdir(temp);
    const env = temp ? { ...this.env, TEMP: temp, TMP: temp } : this.env;
    const run = startWclayer(exe, ['import', ...parentArgs(opts.parents), layerPath], { env, stdin: true });
    const stdin = run.child.stdin!;

    let failure: { err: unknown } | undefined;
    const fail = (err: unknown) => {
      if (failure) return;
      failure = { err };
      run.child.kill('SIGKILL');
      tar.destroy();
    };
    const onAbort = () => fail(opts.signal!.reason);
    opts.signal?.addEventListener('abort', onAbort);
    // wclayer may stop reading once it has the end-of-archive marker: the pipe to it breaks
    // (EPIPE), is unpiped, and the validator alone reads the rest, so the stream is consumed whole.
    stdin.on('error', () => {});
    const validated = validateWindowsLayer(tar, { base: opts.parents.length === 0 });
    tar.pipe(stdin);
    const [bytes] = await Promise.all([validated.catch(fail), run.exited.catch(fail), finished(tar).catch(fail)]);
    opts.signal?.removeEventListener('abort', onAbort);
    // Left in place if it cannot go now: once this process has exited, it is a leftover like any other.
    if (temp) await rm(temp, { recursive: true, force: true }).catch(() => {});

    if (!failure) {
      try {
        await writeFile(join(layerPath, LAYERCHAIN), layerChain(opts.parents));
        return bytes!;
      } catch (err) {
        failure = { err: failed(`cannot write ${LAYERCHAIN} in ${layerPath}: ${(err as Error).message}`, { cause: err }) };
      }
    }
    await this.removeAfterFailure(exe, layerPath, opts.warn);
    throw failure.err;
  }

  async removeLayer(layerPath: string): Promise<void> {
    if (!(await lstatOrUndefined(layerPath))) return;
    await runWclayer(await this.executable(), ['remove', layerPath], this.env);
  }

  /**
   * `wclayer create`, then the scratch disk grown to `opts.scratchSize` (default moby's 127 GiB)
   * where a host is there to do it, then layerchain.json: the chain, nearest first, never empty
   * here, so it is the array moby's setLayerChain writes for a container too.
   */
  async createContainer(containerPath: string, layerPaths: string[], opts: ContainerOptions = {}): Promise<void> {
    const exe = await this.executable();
    await mustNotExist(containerPath, 'create container scratch layer');
    const size = opts.scratchSize ?? DEFAULT_SCRATCH_SIZE;
    try {
      await runWclayer(exe, ['create', ...parentArgs(layerPaths), containerPath], this.env);
      if (this.host && size > BLANK_SCRATCH_SIZE) await growScratch(this.host.windows, containerPath, size);
      await writeFile(join(containerPath, LAYERCHAIN), layerChain(layerPaths));
    } catch (err) {
      await this.removeAfterFailure(exe, containerPath, opts.warn);
      throw err;
    }
  }

  removeContainer(containerPath: string): Promise<void> {
    return this.removeLayer(containerPath);
  }

  /**
   * `wclayer export -l <layer> ... <containerPath>`: the scratch layer as a Windows layer tar on
   * wclayer's stdout. The stream ends only once wclayer has exited 0; a failure fails it, and a
   * reader that stops early (destroys it) stops wclayer.
   */
  async exportContainer(containerPath: string, layerPaths: string[]): Promise<Readable> {
    const exe = await this.executable();
    const run = startWclayer(exe, ['export', ...parentArgs(layerPaths), containerPath], { env: this.env, stdout: true });
    const stdout = run.child.stdout!;
    const out = new PassThrough();
    stdout.pipe(out, { end: false });
    out.on('close', () => {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    });
    Promise.all([finished(stdout), run.exited]).then(
      () => out.end(),
      (err: unknown) => out.destroy(err as Error),
    );
    return out;
  }

  /** Takes back what a failed wclayer run left; a failure to do so is told, not thrown over the first error. */
  private async removeAfterFailure(exe: string, path: string, warn?: (m: string) => void): Promise<void> {
    if (!(await lstatOrUndefined(path))) return;
    try {
      await runWclayer(exe, ['remove', path], this.env);
    } catch (err) {
      warn?.(`could not remove ${path}, which a failed wclayer run left: ${(err as Error).message}`);
    }
  }
}

/** `p`, or the abort's reason if the signal fires first. */
function untilSettled(p: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return p;
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

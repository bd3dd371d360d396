/**
 * The one seam between ctrimg and the platform's layer storage. `dir` (Linux, default off
 * Windows) unpacks into plain directories; `hcs` hands layers to the Windows Host Compute
 * Service through hcsshim's `wclayer`. Layers are diffs: a layer directory holds only what its
 * tar holds, and the stack is only put together for a container.
 */
import type { Readable } from 'node:stream';
import type { UnpackOptions } from '../layers/unpack.js';

/** What importing a layer needs, the same as unpacking one. */
export type ImportOptions = UnpackOptions;

export interface ContainerOptions {
  /**
   * Bytes of the container's scratch disk (importers/scratch.ts); undefined: the importer's
   * default. Only `hcs` has one: `dir` refuses a size, its containers being plain directories.
   */
  scratchSize?: number;
  /** Told what was left out or could not be cleaned up, where the command goes on. */
  warn?: (message: string) => void;
}

export interface LayerImporter {
  readonly kind: 'dir' | 'hcs';
  /**
   * True when a layer must be imported into its final directory and never moved: HCS takes a
   * layer's id from its directory's name and a base layer's blank.vhdx records its parent's path
   * (hcs). False when it may be made elsewhere and renamed into place once checked (dir).
   */
  readonly importsInPlace: boolean;
  /**
   * Fails when this importer cannot work on this host (hcs: wclayer is not found). Commands
   * call it before they change anything, so such a failure leaves the store as it was.
   */
  ensureReady(): Promise<void>;
  /**
   * Imports one uncompressed layer tar into `layerPath`, which must not exist yet. On failure
   * nothing is left at `layerPath` (unless removing it failed too: that is told through `warn`).
   * Rejects with a CtrimgError naming the offending entry for unsafe or invalid tars. Resolves
   * with the layer's content bytes, the size docker shows for it (layers/content-size.ts).
   */
  importLayer(tar: Readable, layerPath: string, opts: ImportOptions): Promise<number>;
  /** Removes an imported layer; missing is not an error. */
  removeLayer(layerPath: string): Promise<void>;
  /**
   * Creates a container's filesystem at `containerPath` (must not exist) from the image's
   * layers, nearest (topmost) first: for `dir` the merged root filesystem with every
   * whiteout applied, for `hcs` a scratch layer over the chain.
   */
  createContainer(containerPath: string, layerPaths: string[], opts?: ContainerOptions): Promise<void>;
  /** Removes a container's filesystem; missing is not an error. */
  removeContainer(containerPath: string): Promise<void>;
  /**
   * What the container at `containerPath` changed over its image's layers (nearest first), as an
   * uncompressed layer tar read as it is made: `dir` walks the container against the layers'
   * merged tree (layers/diff.ts), `hcs` has `wclayer export` write the scratch layer. A tar with
   * no entry means nothing changed. The stream fails if making it fails.
   */
  exportContainer(containerPath: string, layerPaths: string[]): Promise<Readable>;
}

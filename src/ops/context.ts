/**
 * What the operations that change images and containers are given: the store context
 * (store-context.ts: the store, a reporter for informational lines, the cancellation signal),
 * and the content store, the layer importer, a way to reach registries and a sink for layer
 * progress. Operations never print; they report through `report` and `progress` and return data.
 */
import { Store } from '../../store/index.js';
import { freeSpaceReserve, RESERVE_VARIABLE } from '../content/free-space.js';
import { containerDir, databasePath, layerDir } from '../content/layout.js';
import { openRoot } from '../content/root.js';
import { ContentStore } from '../content/store.js';
import type { Digest } from '../image/digest.js';
import { confined } from '../importers/confined.js';
import type { ImporterKind } from '../importers/kinds.js';
import { createImporter, resolveImporter } from '../importers/select.js';
import type { LayerImporter } from '../importers/types.js';
import type { HostClient, RegistryClient, RegistryClientOptions } from '../registry/client.js';
import type { DockerCredentials } from '../registry/credentials.js';
import type { Progress } from './progress.js';
import { defaultRoot, storeContext, type StoreContext, type StoreContextOptions } from './store-context.js';

const NO_PROGRESS: Progress = { layer: () => {} };

export interface OpsContext extends StoreContext {
  content: ContentStore;
  importer: LayerImporter;
  progress: Progress;
  /** Bytes that downloads and unpacks leave free on the store's filesystem (content/free-space.ts). */
  freeSpaceReserve: number;
  /**
   * A client for one registry, or, given `mirrors` (root URLs), one that tries those first
   * (see registry/mirrored.ts). Credentials come from the docker config, per host. The registry
   * client (undici, about 1 MB) is loaded on the first call: most commands never reach a registry.
   */
  registry(opts: RegistryClientOptions & { mirrors?: string[] }): Promise<RegistryClient>;
  /**
   * Where a layer or container lives: derived from the root, never read from the database.
   * An id that is not 64 hex digits is refused (BAD_IDENTITY) before any path is made of it.
   */
  layerPath(chainId: Digest): string;
  containerPath(cid: string): string;
  /** Closes the database and every registry connection opened through `registry`. */
  close(): Promise<void>;
}

export interface ContextOptions extends StoreContextOptions {
  progress?: Progress;
  /** The importer forced by -Importer or $CTRIMG_IMPORTER; else the store's recorded one, else the platform's. */
  importer?: ImporterKind;
}

export async function openContext(opts: ContextOptions): Promise<OpsContext> {
  const root = await openRoot(opts.root ?? defaultRoot());
  const freeSpace = await freeSpaceReserve(root, process.env[RESERVE_VARIABLE]);
  const content = new ContentStore(root, freeSpace);
  await content.init();
  const store = Store.open(databasePath(root));
  let importer: LayerImporter;
  try {
    importer = confined(createImporter(resolveImporter(store, opts.importer), { reserve: freeSpace, root }), root);
  } catch (err) {
    store.close();
    throw err;
  }
  const clients: HostClient[] = [];
  let docker: DockerCredentials | undefined;
  const hostClients = async () => {
    const [{ HostClient }, { DockerCredentials }] = await Promise.all([import('../registry/client.js'), import('../registry/credentials.js')]);
    docker ??= new DockerCredentials();
    const lookup = docker.lookup;
    return (o: RegistryClientOptions) => {
      const client = new HostClient({ credentials: lookup, ...o, signal: opts.signal });
      clients.push(client);
      return client;
    };
  };
  // Mirrors found unreachable are skipped by every client for the rest of the command.
  const unreachable = new Set<string>();
  return {
    ...storeContext(root, store, opts),
    content,
    importer,
    progress: opts.progress ?? NO_PROGRESS,
    freeSpaceReserve: freeSpace,
    registry: async ({ mirrors, ...o }) => {
      const host = await hostClients();
      if (!mirrors?.length) return host(o);
      const { MirroredClient } = await import('../registry/mirrored.js');
      return new MirroredClient({
        origin: host(o),
        // One attempt each: a dead mirror must cost one connection, the origin is there to fall back on.
        mirrors: mirrors.map((base) => host({ ...o, base, retry: { ...o.retry, attempts: 1 } })),
        report: opts.report,
        unreachable,
      });
    },
    layerPath: (chainId) => layerDir(root, chainId),
    containerPath: (cid) => containerDir(root, cid),
    close: async () => {
      store.close();
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}

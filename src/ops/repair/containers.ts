/** Containers: records whose filesystem is gone, directories no record names (told apart by the cid in the name). */
import { join } from 'node:path';
import { classify, CONTAINERS, storeDir, storeRelative } from '../../content/layout.js';
import { deletable, exists, reported, sorted, type Found, type RepairCheck } from './check.js';

/** Information only: removing the container removes its record. */
export const missingContainers: RepairCheck = {
  name: 'filesystems of recorded containers',
  async find(ctx) {
    const found: Found[] = [];
    for (const c of ctx.store.containers.list()) {
      const path = ctx.containerPath(c.cid);
      if (await exists(path)) continue;
      const detail = `the filesystem of container '${c.name}' is missing; removing the container removes its record`;
      found.push(reported({ kind: 'MissingContainer', path: storeRelative(ctx.root, path), digest: null, images: [], action: 'None', detail }));
    }
    return found;
  },
};

export const unrecordedContainers: RepairCheck = {
  name: 'container directories no record names',
  async find(ctx) {
    const cids = new Set(ctx.store.containers.list().map((c) => c.cid));
    const dir = storeDir(ctx.root, CONTAINERS);
    const found: Found[] = [];
    for (const entry of await sorted(dir)) {
      const name = classify(CONTAINERS, entry);
      if (name?.kind !== 'container' || cids.has(name.cid)) continue;
      const path = join(dir, entry);
      const detail = 'a container directory no container record names';
      found.push(deletable({ kind: 'UnrecordedContainer', path: storeRelative(ctx.root, path), digest: null, detail }, () => ctx.importer.removeContainer(path)));
    }
    return found;
  },
};

/** The forest of installed images, each with its containers and child images: what -Graph draws. */
import type { ContainerRecord, ImageRecord } from '../../store/index.js';
import type { StoreContext } from './store-context.js';
import { listingOrder } from './images.js';

export interface ImageTree {
  image: ImageRecord;
  /** Containers created from the image, in creation order. */
  containers: ContainerRecord[];
  /** Images whose ParentImage it is, by name then newest version. */
  children: ImageTree[];
}

/** Every installed image once, under its ParentImage; OS images are the roots, by name then newest version. */
export function imageForest(ctx: StoreContext): ImageTree[] {
  return ctx.store.read(() => forest(ctx));
}

function forest(ctx: StoreContext): ImageTree[] {
  const images = ctx.store.images.all();
  const nodes = new Map(images.map((image) => [image.id, { image, containers: [] as ContainerRecord[], children: [] as ImageTree[] }]));
  for (const c of ctx.store.containers.list()) nodes.get(c.imageId)?.containers.push(c);
  const roots: ImageTree[] = [];
  for (const image of [...images].sort(listingOrder(images))) {
    // A parent id naming no image (a store edited by hand) puts the image among the roots.
    const parent = image.parentId === null ? undefined : nodes.get(image.parentId);
    (parent ? parent.children : roots).push(nodes.get(image.id)!);
  }
  return roots;
}

/**
 * Bench support for `npm run bench:scale`: fills a store's database with image families and
 * containers directly, through store/'s queries in one transaction (no registry, no layer files:
 * listing, lineage and the dependency check of a removal read the database only).
 *
 * The families are shaped like a host's: a few base OS images (one or two layers), images built
 * on them, images built on those, and so on; each image adds one to three layers on top of its
 * parent's chain, so siblings share their parent's layers. Names come in families (`Web0042`,
 * `Api0007`, ...) so a wildcard selects a share of them; containers are spread over all images,
 * more of them on the leaves.
 */
import { createHash } from 'node:crypto';
import { Store } from '../../store/index.js';
import { databasePath } from '../../src/content/layout.js';
import { prng } from '../support/prng.js';

export interface ScaleStore {
  images: number;
  containers: number;
  layers: number;
  /** Links of image to layer (the sum of chain lengths). */
  chainLinks: number;
  /** A base OS image's name, the version of one of them (what the refused removal names), and the images built on that name. */
  base: { name: string; version: string; children: number; descendants: number };
  /** The wildcard `-Name` is measured with, and how many images it matches. */
  pattern: string;
  matching: number;
}

/** Name prefixes of the families built on the bases; the first is the one `pattern` selects. */
const FAMILIES = ['Web', 'Api', 'Worker', 'Db', 'Cache', 'Build', 'Test', 'Tools'];
const BASES = ['NanoServer', 'ServerCore', 'Windows', 'Alpine', 'Debian', 'Ubuntu'];

const digest = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const hex = (text: string) => createHash('sha256').update(text).digest('hex');

interface Planned {
  name: string;
  version: string;
  chain: string[];
  parent: number | undefined;
  depth: number;
}

/** The image families, parents before children (as they would have been installed). */
function plan(images: number, seed: number): Planned[] {
  const random = prng(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const out: Planned[] = [];
  let layerSeq = 0;
  const newLayers = (n: number) => Array.from({ length: n }, () => `layer-${layerSeq++}`);
  // One base per 200 images, at least one: a handful of OS images in several versions.
  const bases = Math.max(1, Math.floor(images / 200));
  for (let b = 0; b < bases && out.length < images; b++) {
    out.push({ name: BASES[b % BASES.length]!, version: `10.0.${17763 + Math.floor(b / BASES.length)}.${b}`, chain: newLayers(1 + (b % 2)), parent: undefined, depth: 0 });
  }
  while (out.length < images) {
    // Shallow parents are likelier (most images are built on a base or one image above it);
    // chains still reach eight or so deep.
    let parent = pick(out.length);
    for (let tries = 0; tries < 2 && out[parent]!.depth > 1; tries++) parent = pick(out.length);
    const p = out[parent]!;
    const family = FAMILIES[pick(FAMILIES.length)]!;
    const n = out.length;
    out.push({ name: `${family}${String(n % 1000).padStart(4, '0')}`, version: `1.${Math.floor(n / 1000)}.${n % 1000}`, chain: [...p.chain, ...newLayers(1 + pick(3))], parent, depth: p.depth + 1 });
  }
  return out;
}

/** Chain ids as the store keeps them: sha256 digests, made from the planned layer names. */
function chainIdOf(layer: string): string {
  return digest(`chain ${layer}`);
}

/** Writes `images` images and `containers` containers into the database of the store at `root`. */
export function fillStore(root: string, images: number, containers: number, seed = 15): ScaleStore {
  const planned = plan(images, seed);
  const random = prng(seed + 1);
  const store = Store.open(databasePath(root));
  try {
    let layers = 0;
    let chainLinks = 0;
    const ids: number[] = [];
    store.transaction(() => {
      const layerIds = new Map<string, number>();
      for (const [i, p] of planned.entries()) {
        const chain = p.chain.map((l) => {
          let id = layerIds.get(l);
          if (id === undefined) {
            const h = hex(`blob ${l}`);
            id = store.layers.ensure({ chainId: chainIdOf(l), diffId: digest(`diff ${l}`), blobDigest: `sha256:${h}`, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 1024 + (i % 4096), contentBytes: 4096 + (i % 4096) }).id;
            layerIds.set(l, id);
            layers++;
          }
          return id;
        });
        chainLinks += chain.length;
        const record = store.images.add(
          {
            name: p.name,
            publisher: 'Bench',
            version: p.version,
            description: null,
            repository: `bench/${p.name.toLowerCase()}`,
            tag: p.version,
            manifestDigest: digest(`manifest ${i}`),
            configDigest: digest(`config ${i}`),
            platform: 'linux/amd64',
            size: 1_000_000 + i,
            created: null,
            installed: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
            sourceId: null,
            pulled: true,
          },
          chain,
        );
        ids.push(record.id);
      }
      const hasChild = new Set(planned.map((p) => p.parent));
      for (let c = 0; c < containers; c++) {
        // Three in four containers on an image nothing is built on, the rest anywhere (bases too).
        let image = Math.floor(random() * planned.length);
        for (let tries = 0; tries < 4 && random() < 0.75 && hasChild.has(image); tries++) image = Math.floor(random() * planned.length);
        const added = store.containers.add({ cid: hex(`container ${c}`), name: `c${c}`, imageId: ids[image]!, state: c % 3 === 0 ? 'Running' : 'Off', created: new Date(Date.UTC(2026, 1, 1, 0, 0, c)).toISOString() });
        if (!added) throw new Error(`container c${c} was not added`);
      }
    });
    return { images, containers, layers, chainLinks, base: baseOf(planned), pattern: `${FAMILIES[0]}*`, matching: planned.filter((p) => p.name.startsWith(FAMILIES[0]!)).length };
  } finally {
    store.close();
  }
}

/**
 * The first base's name (its other versions share it, so -ChildOf by name takes their children
 * too) and the version of the first one, with the children and all descendants of that name.
 */
function baseOf(planned: Planned[]): ScaleStore['base'] {
  const first = planned[0]!;
  const under = new Set(planned.flatMap((p, i) => (p.parent === undefined && p.name === first.name ? [i] : [])));
  const roots = under.size;
  const children = planned.filter((p) => p.parent !== undefined && under.has(p.parent)).length;
  for (const [i, p] of planned.entries()) if (p.parent !== undefined && under.has(p.parent)) under.add(i);
  if (children === 0) throw new Error(`no image was generated on ${first.name}; use more images`);
  return { name: first.name, version: first.version, children, descendants: under.size - roots };
}

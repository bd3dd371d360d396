/**
 * Random image families for the store's model-based test (test/unit/ops/store-model.test.ts):
 * images made of a few tiny layers from a small alphabet, so that families share bases, stack
 * deep chains, branch into siblings, repeat one layer at several depths (one blob, several chain
 * ids) and hold twins: images with identical chains, either with their own config or with the
 * very same manifest in another repository. The images are written into one OCI layout
 * directory shared by every run (blobs are content-addressed, so each is written once) and
 * installed from it by manifest digest.
 *
 * Built with test/support/oci-layout.ts, which imports nothing from src/: the images are not
 * produced by the code under test.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { buildImage, gzip, hexOf, sha256, tarFromEntries, type BuiltImage, type Digest } from './oci-layout.js';

/** Layer contents: index 0 is an empty layer (as ENV lines make), the others hold one file each. */
const ALPHABET = 6;
/**
 * The most layers an image has: deep enough for chains of several generations, and bounded
 * because a container costs one getfattr per layer of its image.
 */
const MAX_DEPTH = 4;

export interface LayerContent {
  tar: Buffer;
  diffId: Digest;
  /** The digest of the gzip blob the layout holds. */
  blob: Digest;
  /** The one file the layer adds, if any. */
  file?: string;
}

async function layerContents(): Promise<LayerContent[]> {
  const out: LayerContent[] = [];
  for (let k = 0; k < ALPHABET; k++) {
    const file = k === 0 ? undefined : `f${k}`;
    const tar = await tarFromEntries(file ? [{ name: file, content: `layer ${k}\n` }] : []);
    out.push({ tar, diffId: sha256(tar), blob: sha256(gzip(tar)), ...(file && { file }) });
  }
  return out;
}

/** One image a family may install, under the repository `prop/<key>`, so its name is its key. */
export interface ImageSpec {
  key: string;
  /** Layer contents, base first (indexes into the alphabet). */
  layers: number[];
  /** Sets the config's creation time: twins with their own config differ only here. */
  variant: number;
}

/** How each image of a family is made from the ones before it; `of` picks one of them (modulo). */
type Shape =
  | { kind: 'base'; layers: number[] }
  | { kind: 'child'; of: number; layers: number[] }
  | { kind: 'twin'; of: number; sameManifest: boolean }
  | { kind: 'prefix'; of: number; cut: number };

const contents = (min: number, max: number) => fc.array(fc.nat({ max: ALPHABET - 1 }), { minLength: min, maxLength: max });

const shape: fc.Arbitrary<Shape> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('base' as const), layers: contents(1, 2) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('child' as const), of: fc.nat(), layers: contents(1, 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('twin' as const), of: fc.nat(), sameManifest: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('prefix' as const), of: fc.nat(), cut: fc.nat() }) },
);

/** A family of 1 to `max` images, the first a base. */
export function imageFamily(max = 6): fc.Arbitrary<ImageSpec[]> {
  return fc
    .tuple(contents(1, 2), fc.array(shape, { maxLength: max - 1 }))
    .map(([first, rest]) => {
      const specs: ImageSpec[] = [{ key: 'i0', layers: first, variant: 0 }];
      for (const s of rest) {
        const i = specs.length;
        const own = (layers: number[]): ImageSpec => ({ key: `i${i}`, layers, variant: i });
        if (s.kind === 'base') {
          specs.push(own(s.layers));
          continue;
        }
        const of = specs[s.of % i]!;
        // A child of an image MAX_DEPTH deep is cut back to its twin.
        if (s.kind === 'child') specs.push(own([...of.layers, ...s.layers].slice(0, MAX_DEPTH)));
        else if (s.kind === 'twin') specs.push(s.sameManifest ? { ...of, key: `i${i}` } : own(of.layers));
        // A one-layer image has no strict prefix: its "prefix" is a twin with its own config.
        else specs.push(own(of.layers.slice(0, of.layers.length > 1 ? 1 + (s.cut % (of.layers.length - 1)) : 1)));
      }
      return specs;
    });
}

export const repositoryOf = (spec: ImageSpec) => `prop/${spec.key}`;

/** The OCI layout every run installs from, holding each spec's image once it was asked for. */
export class FamilyLayout {
  /** Built images by what makes them (layers and variant; the repository is not in any blob). */
  private readonly built = new Map<string, BuiltImage>();
  private readonly written = new Set<string>();

  private constructor(readonly dir: string, readonly layers: LayerContent[]) {}

  static async create(dir: string): Promise<FamilyLayout> {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    // Images are installed by digest: index.json names none of them.
    await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [] }));
    return new FamilyLayout(dir, await layerContents());
  }

  /** The spec's image, its blobs written into the layout if they are not there yet. */
  async image(spec: ImageSpec): Promise<BuiltImage> {
    const key = `${spec.layers.join(',')} ${spec.variant}`;
    const known = this.built.get(key);
    if (known) return known;
    const built = buildImage({
      repo: repositoryOf(spec),
      tag: 'latest',
      created: new Date(Date.UTC(2020, 0, 1 + spec.variant)).toISOString(),
      // Named by content, not by repository, so a same-manifest twin has the same config.
      layers: spec.layers.map((k) => ({ tar: this.layers[k]!.tar, createdBy: `layer ${k}` })),
    });
    for (const [digest, bytes] of built.blobs) {
      if (this.written.has(digest)) continue;
      await writeFile(join(this.dir, 'blobs', 'sha256', hexOf(digest)), bytes);
      this.written.add(digest);
    }
    this.built.set(key, built);
    return built;
  }
}

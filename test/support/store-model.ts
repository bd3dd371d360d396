/**
 * An independent model of what a store must hold, for the model-based test
 * (test/unit/ops/store-model.test.ts). It knows only the rules of DESIGN.md and issue 15, and
 * computes everything itself, without src/: an image's ParentImage is the installed image whose
 * layer chain is the longest strict prefix of its own (ties: installed first); an image is
 * removed only when no container (of any state) was created from it and no image has it as
 * parent; what the store holds on disk is exactly what its images and containers use.
 *
 * Layers are named by tokens (`L3`: content 3 of the family alphabet); what a token is on disk
 * (diff id, blob, the file it adds) is in `layers`. A layer whose digests are only known once the
 * store has made it (a commit's) gets its token and its facts when it is made.
 */
import { createHash } from 'node:crypto';
import type { Digest } from './oci-layout.js';

export type ContainerState = 'Off' | 'Running' | 'Paused' | 'Stopped';

export interface LayerFacts {
  diffId: Digest;
  blob: Digest;
  /** A file the layer adds, looked for in the layer's directory and in every container above it. */
  file?: string;
}

export interface ModelImage {
  /** The image's name; `prop/<key>` its repository. */
  key: string;
  repository: string;
  chain: string[];
  manifest: Digest;
  config: Digest;
  /** Install order: ties between parents go to the lower. */
  seq: number;
}

export interface ModelContainer {
  name: string;
  image: string;
  state: ContainerState;
}

export interface Dependents {
  containers: ModelContainer[];
  children: ModelImage[];
}

export class StoreModel {
  images: ModelImage[] = [];
  containers: ModelContainer[] = [];
  private seq = 0;
  private containerCount = 0;
  private commitCount = 0;

  constructor(readonly layers: Map<string, LayerFacts>) {}

  image(key: string): ModelImage | undefined {
    return this.images.find((i) => i.key === key);
  }

  /** The image installed under this repository with this manifest (installing it again changes nothing). */
  installed(repository: string, manifest: Digest): ModelImage | undefined {
    return this.images.find((i) => i.repository === repository && i.manifest === manifest);
  }

  install(img: Omit<ModelImage, 'seq'>): void {
    this.images.push({ ...img, seq: this.seq++ });
  }

  /** A fresh token for a layer a commit makes; its image is named by it in lower case. */
  nextCommitToken(): string {
    return `C${++this.commitCount}`;
  }

  /** A fresh container name. */
  nextContainerName(): string {
    return `c${++this.containerCount}`;
  }

  parentOf(img: ModelImage): ModelImage | null {
    let best: ModelImage | null = null;
    for (const cand of this.images) {
      const prefix = cand.chain.length < img.chain.length && cand.chain.every((t, i) => img.chain[i] === t);
      if (!prefix) continue;
      if (!best || cand.chain.length > best.chain.length || (cand.chain.length === best.chain.length && cand.seq < best.seq)) best = cand;
    }
    return best;
  }

  dependents(img: ModelImage): Dependents {
    return {
      containers: this.containers.filter((c) => c.image === img.key),
      children: this.images.filter((i) => this.parentOf(i) === img),
    };
  }

  /**
   * Removes what a removal of `keys` removes now, in dependency order, and returns the images
   * refused with their dependents: every image that is free, or becomes free as others of the
   * selection go, is removed; the rest are refused.
   */
  remove(keys: string[]): { removed: string[]; refused: Map<string, Dependents> } {
    const selected = keys.map((k) => this.image(k)!);
    const removed: string[] = [];
    const isFree = (img: ModelImage) => {
      const d = this.dependents(img);
      return d.containers.length === 0 && d.children.length === 0;
    };
    let left = selected;
    for (let free = left.find(isFree); free; free = left.find(isFree)) {
      const gone = free;
      this.images = this.images.filter((i) => i !== gone);
      left = left.filter((i) => i !== gone);
      removed.push(gone.key);
    }
    const refused = new Map(selected.filter((i) => !removed.includes(i.key)).map((i) => [i.key, this.dependents(i)]));
    return { removed, refused };
  }

  /** The chain ids of an image's layers, base first (image-spec's ChainID). */
  chainIds(img: ModelImage): Digest[] {
    const out: Digest[] = [];
    for (const token of img.chain) {
      const diffId = this.facts(token).diffId;
      const prev = out.at(-1);
      out.push(prev ? sha256(`${prev} ${diffId}`) : diffId);
    }
    return out;
  }

  /** Every layer the store must record, by chain id, with its blob and the file it adds. */
  expectedLayers(): Map<Digest, LayerFacts> {
    const out = new Map<Digest, LayerFacts>();
    for (const img of this.images) this.chainIds(img).forEach((id, i) => out.set(id, this.facts(img.chain[i]!)));
    return out;
  }

  /** Every blob the content store must hold: each image's manifest and config, each layer's blob. */
  expectedBlobs(): Set<Digest> {
    const out = new Set<Digest>();
    for (const img of this.images) {
      out.add(img.manifest);
      out.add(img.config);
      for (const t of img.chain) out.add(this.facts(t).blob);
    }
    return out;
  }

  private facts(token: string): LayerFacts {
    const f = this.layers.get(token);
    if (!f) throw new Error(`the model knows no layer ${token}`);
    return f;
  }
}

function sha256(s: string): Digest {
  return `sha256:${createHash('sha256').update(s).digest('hex')}`;
}

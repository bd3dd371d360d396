/**
 * The registry as an ImageSource: one repository on one registry, through a RegistryClient
 * (a host, or a source's mirrors before its origin). Layers are fetched by foreign.ts's
 * layerFetch, so non-distributable layers fall back to their descriptor's URLs, and are verified
 * here, whichever server sent them: a stream from offset 0 fails at EOF unless its bytes are the
 * descriptor's (BlobFetch's contract in image/source.ts).
 */
import type { Digest } from '../image/digest.js';
import type { Descriptor } from '../image/manifest.js';
import type { PlatformChoice } from '../image/platform.js';
import type { Reference } from '../image/reference.js';
import { imageDisplay, selectImage, verifiedFetch, type BlobFetch, type ImageName, type ImageSource, type ResolvedImage } from '../image/source.js';
import type { RegistryClient } from './client.js';
import { layerFetch } from './foreign.js';

export class RegistrySource implements ImageSource {
  readonly repository: string;
  readonly registry: string;
  private readonly repo: string;

  /** `at`: the registry as references name it (host[:port]) and the repository there. */
  constructor(
    private readonly client: RegistryClient,
    at: Pick<Reference, 'registry' | 'repository'>,
    private readonly warn: (message: string) => void,
  ) {
    this.registry = at.registry;
    this.repo = at.repository;
    this.repository = `${at.registry}/${at.repository}`;
  }

  /** Pings first, as docker does: a URL that is not a registry is told apart from a missing image. */
  async ready(): Promise<void> {
    await this.client.ping();
  }

  /** A name with neither tag nor digest is `latest`, as in docker. */
  async resolve(name: ImageName, platform: PlatformChoice): Promise<ResolvedImage> {
    const display = imageDisplay(this.repository, name);
    const top = await this.client.manifest(this.repo, name.digest ?? name.tag ?? 'latest');
    return selectImage(top, (digest: Digest) => this.client.manifest(this.repo, digest), platform, display);
  }

  config(image: ResolvedImage): Promise<Buffer> {
    return this.client.blobBytes(this.repo, image.manifest.config);
  }

  /**
   * Wrong bytes fail the stream with DIGEST_MISMATCH or SIZE_MISMATCH, named as install names a
   * layer (configs and manifests come through config() and resolve()); `rejected` still passes
   * over the mirror or URL that sent them.
   */
  blob(desc: Descriptor, signal?: AbortSignal): BlobFetch {
    return verifiedFetch(`layer ${desc.digest}`, desc, layerFetch(this.client, this.repo, desc, { signal, warn: this.warn }));
  }

  /** A base on the same registry is fetched with this client: its scheme, mirrors and credentials. */
  async base(ref: Reference): Promise<ImageSource | undefined> {
    return ref.registry === this.registry ? new RegistrySource(this.client, ref, this.warn) : undefined;
  }
}

/**
 * Base images come only from places the user trusts: an image on one registry whose
 * `org.opencontainers.image.base.name` names another is installed with its base only when that
 * other registry is a registered source (then with the source's scheme and mirrors); any other
 * host is refused without a connection to it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ctrimg, ctrimgJson } from '../support/ctrimg.js';
import { startDeadPort, type DeadPort } from '../support/dead-port.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { publishImage, tarFromEntries, type PublishedImage } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const BASE_NAME = 'org.opencontainers.image.base.name';
const BASE_DIGEST = 'org.opencontainers.image.base.digest';

describe('end to end: where a base image may come from', function () {
  this.timeout(120_000);
  let childRegistry: RunningRegistry;
  let baseRegistry: RunningRegistry;
  /** Stands for a pull-through cache of baseRegistry: registered as the source's mirror, it records what it is asked. */
  let mirror: FaultProxy;
  /** A host no source names: it must never see a connection. */
  let stranger: DeadPort;
  let base: PublishedImage;
  let root: string;

  /** An image on childRegistry naming `baseName` as its base. */
  async function publishChild(repo: string, baseName: string, annotations: Record<string, string> = {}): Promise<PublishedImage> {
    const tar = await tarFromEntries([{ name: 'app.txt', content: `${repo}\n` }]);
    return publishImage(childRegistry.host, { repo, tag: '1.0', layers: [{ tar }], annotations: { [BASE_NAME]: baseName, ...annotations } });
  }

  before(async () => {
    [childRegistry, baseRegistry] = await Promise.all([startRegistry(), startRegistry()]);
    mirror = await startFaultProxy(baseRegistry.url);
    stranger = await startDeadPort();
    const tar = await tarFromEntries([{ name: 'base.txt', content: 'base\n' }]);
    base = await publishImage(baseRegistry.host, { repo: 'samples/base', tag: '1.0', layers: [{ tar }] });
  });
  after(async () => {
    await stranger?.stop();
    await mirror?.stop();
    await Promise.all([childRegistry?.stop(), baseRegistry?.stop()]);
  });
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ctrimg-base-trust-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('installs a base from a registered plain-http source, through its mirror', async () => {
    const child = await publishChild('samples/child', base.reference, { [BASE_DIGEST]: base.manifestDigest });
    const reg = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'bases', '-Location', baseRegistry.url, '-Insecure', '-Mirror', mirror.url]);
    assert.equal(reg.code, 0, reg.stderr);
    mirror.requests.length = 0;
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', child.reference, '-Insecure']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`Installing base image ${baseRegistry.host}/samples/base:1\\.0@${base.manifestDigest} of ${childRegistry.host}/samples/child:1\\.0 first`));
    // The source's mirror served the base: its manifest, config and layer.
    const paths = mirror.requests.map((q) => q.path);
    assert.ok(paths.includes(`/v2/samples/base/manifests/${base.manifestDigest}`), paths.join('\n'));
    assert.ok(paths.includes(`/v2/samples/base/blobs/${base.layerDigests[0]}`), paths.join('\n'));
    const images = await ctrimgJson(root, ['Get-ContainerImage']);
    assert.deepEqual(images.map((i) => i.Name).sort(), ['base', 'child']);
  });

  it('refuses a base on a host that is neither the image\'s registry nor a registered source, without connecting to it', async () => {
    const baseName = `${stranger.host}/samples/base:1.0`;
    const child = await publishChild('samples/strayed', baseName);
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', child.reference, '-Insecure']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr,
      `Install-ContainerImage: the image names its base '${baseName}' (${BASE_NAME}) on a registry that is not its own nor a registered source ` +
        `(install the base first: ctrimg Install-ContainerImage -Reference ${baseName}, or Register-ContainerImageSource for that registry) [BASE_UNTRUSTED]\n`,
    );
    assert.equal(stranger.connections(), 0);
    assert.deepEqual(await ctrimgJson(root, ['Get-ContainerImage']), []);
  });
});

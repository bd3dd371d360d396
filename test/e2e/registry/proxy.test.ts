/** HTTP_PROXY and NO_PROXY, through a forward proxy on loopback in front of a real registry. */
import assert from 'node:assert/strict';
import { HostClient } from '../../../src/registry/client.js';
import { startForwardProxy, type ForwardProxy } from '../../support/forward-proxy.js';
import { publishImage, tarFromEntries, type PublishedImage } from '../../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../../support/registry.js';

describe('registry client behind a proxy', function () {
  this.timeout(60_000);
  let reg: RunningRegistry;
  let proxy: ForwardProxy;
  let img: PublishedImage;
  const saved = { ...process.env };

  before(async () => {
    reg = await startRegistry();
    img = await publishImage(reg.host, { repo: 'samples/app', tag: '1', layers: [{ tar: await tarFromEntries([{ name: 'a', content: 'a' }]) }] });
    proxy = await startForwardProxy();
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
  });
  afterEach(() => {
    for (const k of ['HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    proxy.seen.length = 0;
  });

  async function fetchManifest(): Promise<void> {
    const client = new HostClient({ base: reg.url });
    try {
      assert.equal((await client.manifest('samples/app', '1')).digest, img.manifestDigest);
    } finally {
      await client.close();
    }
  }

  // undici tunnels plain http through the proxy with CONNECT as well.
  it('sends requests through HTTP_PROXY', async () => {
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    process.env.HTTP_PROXY = proxy.url;
    await fetchManifest();
    assert.deepEqual(proxy.seen, [`CONNECT ${reg.host}`]);
  });

  it('goes direct to hosts NO_PROXY names', async () => {
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = '127.0.0.1';
    await fetchManifest();
    assert.deepEqual(proxy.seen, []);
  });
});

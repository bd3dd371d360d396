/**
 * HTTPS_PROXY with a registry that speaks TLS: the CLI tunnels through a forward proxy with
 * CONNECT and still checks the registry's certificate (a self-signed one made by openssl,
 * trusted through NODE_EXTRA_CA_CERTS) end to end.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ctrimg, ctrimgJson } from '../support/ctrimg.js';
import { startForwardProxy, type ForwardProxy } from '../support/forward-proxy.js';
import { publishImage, tarFromEntries, type PublishedImage } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { selfSignedCert, type SelfSigned } from '../support/tls.js';

describe('end to end: HTTPS_PROXY in front of a TLS registry', function () {
  this.timeout(120_000);
  let dir: string;
  let cert: SelfSigned;
  let reg: RunningRegistry;
  let proxy: ForwardProxy;
  let img: PublishedImage;
  let root: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctrimg-tls-'));
    cert = await selfSignedCert(dir);
    reg = await startRegistry({ tls: cert });
    img = await publishImage(reg.host, { repo: 'samples/app', tag: '1.0', layers: [{ tar: await tarFromEntries([{ name: 'a.txt', content: 'tls' }]) }] });
    proxy = await startForwardProxy();
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ctrimg-tls-root-'));
    proxy.seen.length = 0;
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  // The lower-case name is set but empty, which counts as unset (it used to hide HTTPS_PROXY);
  // nothing is exempt from the proxy.
  const env = (extra: NodeJS.ProcessEnv) => ({ HTTPS_PROXY: proxy.url, https_proxy: '', NO_PROXY: '', no_proxy: '', ...extra });

  it('installs over https through the proxy, trusting the CA it is given', async () => {
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', `${reg.host}/samples/app:1.0`], { env: env({ NODE_EXTRA_CA_CERTS: cert.certificate }) });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(proxy.seen.length > 0, 'the proxy was used');
    assert.deepEqual([...new Set(proxy.seen)], [`CONNECT ${reg.host}`], 'only tunnels to the registry, nothing in clear');
    const [image] = await ctrimgJson(root, ['Get-ContainerImage']);
    assert.equal(image!.Digest, img.manifestDigest);
  });

  it('still refuses a certificate it does not trust, through the proxy', async () => {
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', `${reg.host}/samples/app:1.0`], { env: env({ NODE_EXTRA_CA_CERTS: '' }) });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /TLS handshake with https:\/\/127\.0\.0\.1:\d+.* failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(proxy.seen.includes(`CONNECT ${reg.host}`));
    assert.deepEqual(await ctrimgJson(root, ['Get-ContainerImage']), []);
  });
});

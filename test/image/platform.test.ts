import assert from 'node:assert/strict';
import { CtrimgError } from '../../src/errors.js';
import type { Descriptor } from '../../src/image/manifest.js';
import { OCI_MANIFEST } from '../../src/image/mediatypes.js';
import { formatPlatform, hostPlatform, parsePlatform, selectManifest, type Platform } from '../../src/image/platform.js';

function entry(n: number, platform: string): Descriptor {
  const p = parsePlatform(platform);
  return {
    mediaType: OCI_MANIFEST,
    digest: `sha256:${n.toString(16).padStart(64, '0')}`,
    size: n,
    platform: {
      os: p.os,
      architecture: p.architecture,
      ...(p.variant && { variant: p.variant }),
      ...(p.osVersion && { 'os.version': p.osVersion }),
    },
  };
}

describe('image/platform', () => {
  it('parses and formats platforms', () => {
    const table: [string, Platform][] = [
      ['linux/amd64', { os: 'linux', architecture: 'amd64' }],
      ['linux/arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
      ['windows/amd64:10.0.20348', { os: 'windows', architecture: 'amd64', osVersion: '10.0.20348' }],
      ['windows/arm64/v8:10.0.26100.1', { os: 'windows', architecture: 'arm64', variant: 'v8', osVersion: '10.0.26100.1' }],
    ];
    for (const [s, p] of table) {
      assert.deepEqual(parsePlatform(s), p);
      assert.equal(formatPlatform(p), s);
    }
    assert.deepEqual(parsePlatform('Windows/AMD64'), { os: 'windows', architecture: 'amd64' });
  });

  it('rejects bad platforms as usage errors', () => {
    for (const s of ['linux', 'linux/', '/amd64', 'a/b/c/d', 'linux/amd64:x', 'linux/amd64:1.2.3.4.5', 'li nux/amd64']) {
      assert.throws(() => parsePlatform(s), (e: unknown) => e instanceof CtrimgError && e.kind === 'usage', s);
    }
  });

  it('maps the host platform to OCI names', () => {
    const p = hostPlatform();
    assert.ok(!['x64', 'win32', 'ia32'].includes(p.architecture) && p.os !== 'win32');
    if (process.arch === 'x64') assert.equal(p.architecture, 'amd64');
    if (process.platform === 'linux') assert.equal(p.os, 'linux');
  });

  const index = [
    entry(1, 'linux/amd64'),
    entry(2, 'linux/arm64/v8'),
    entry(3, 'linux/arm/v7'),
    entry(4, 'linux/arm/v6'),
    entry(5, 'windows/amd64:10.0.17763.5000'),
    entry(6, 'windows/amd64:10.0.20348.2000'),
    entry(7, 'windows/amd64:10.0.20348.2100'),
    entry(8, 'windows/amd64:10.0.26100.100'),
  ];

  const table: [string, Descriptor[], string, number][] = [
    ['plain os/arch', index, 'linux/amd64', 1],
    ['arm64 means v8', index, 'linux/arm64', 2],
    ['arm64/v8 matches an arm64 entry without variant', [entry(9, 'linux/arm64')], 'linux/arm64/v8', 9],
    ['variant chooses', index, 'linux/arm/v6', 4],
    ['no wanted variant takes the first arm', index, 'linux/arm', 3],
    ['exact variant beats a variant-less entry', [entry(10, 'linux/arm'), entry(3, 'linux/arm/v7')], 'linux/arm/v7', 3],
    ['windows same build, highest revision', index, 'windows/amd64:10.0.20348.1', 7],
    ['windows build match ignores wanted revision', index, 'windows/amd64:10.0.17763', 5],
    ['windows between builds takes the newest older build', index, 'windows/amd64:10.0.22000.1', 7],
    ['windows newer host takes the highest', index, 'windows/amd64:10.0.30000.1', 8],
    ['windows without version takes the highest', index, 'windows/amd64', 8],
  ];
  for (const [name, manifests, want, size] of table) {
    it(`selects: ${name}`, () => {
      assert.equal(selectManifest(manifests, parsePlatform(want)).size, size);
    });
  }

  const missing: [string, Descriptor[], string][] = [
    ['other arch', index, 'linux/s390x'],
    ['variant mismatch', index, 'linux/arm64/v9'],
    ['only newer windows builds', index, 'windows/amd64:10.0.14393.1'],
    ['empty index', [], 'linux/amd64'],
    ['entries without platform', [{ ...entry(1, 'linux/amd64'), platform: undefined }], 'linux/amd64'],
  ];
  for (const [name, manifests, want] of missing) {
    it(`reports PLATFORM_NOT_FOUND: ${name}`, () => {
      assert.throws(
        () => selectManifest(manifests, parsePlatform(want), 'r.io/a:1'),
        (e: unknown) =>
          e instanceof CtrimgError &&
          e.kind === 'notFound' &&
          e.code === 'PLATFORM_NOT_FOUND' &&
          e.message.includes(want) &&
          e.message.includes('r.io/a:1') &&
          !e.message.includes('\n'),
      );
    });
  }

  it('lists what the index offers', () => {
    assert.throws(
      () => selectManifest(index.slice(0, 2), parsePlatform('windows/amd64')),
      /no windows\/amd64 variant of image; it offers linux\/amd64, linux\/arm64\/v8$/,
    );
  });
});

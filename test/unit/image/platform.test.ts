import assert from 'node:assert/strict';
import { CtrimgError } from '../../../src/errors.js';
import type { Descriptor } from '../../../src/image/manifest.js';
import { OCI_MANIFEST } from '../../../src/image/mediatypes.js';
import { formatPlatform, hostPlatform, parsePlatform, selectManifest, type Platform } from '../../../src/image/platform.js';

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
      ...(p.osFeatures && { 'os.features': p.osFeatures }),
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
      ['windows/amd64:10.0.17763.1+win32k', { os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.1', osFeatures: ['win32k'] }],
      ['windows/amd64+win32k+x.y-z', { os: 'windows', architecture: 'amd64', osFeatures: ['win32k', 'x.y-z'] }],
    ];
    for (const [s, p] of table) {
      assert.deepEqual(parsePlatform(s), p);
      assert.equal(formatPlatform(p), s);
    }
    assert.deepEqual(parsePlatform('Windows/AMD64'), { os: 'windows', architecture: 'amd64' });
  });

  it('rejects bad platforms as usage errors', () => {
    for (const s of ['linux', 'linux/', '/amd64', 'a/b/c/d', 'linux/amd64:x', 'linux/amd64:1.2.3.4.5', 'li nux/amd64', 'windows/amd64+', 'windows/amd64:10.0+w k']) {
      assert.throws(() => parsePlatform(s), (e: unknown) => e instanceof CtrimgError && e.kind === 'usage', s);
    }
  });

  it('maps the host platform to OCI names', () => {
    const p = hostPlatform();
    assert.ok(!['x64', 'win32', 'ia32'].includes(p.architecture) && p.os !== 'win32');
    if (process.arch === 'x64') assert.equal(p.architecture, 'amd64');
    if (process.platform === 'linux') assert.equal(p.os, 'linux');
  });

  it('reads a Windows host build from the OS release, with revision 0', () => {
    assert.deepEqual(hostPlatform({ platform: 'win32', arch: 'x64', release: '10.0.20348' }), {
      os: 'windows',
      architecture: 'amd64',
      osVersion: '10.0.20348.0',
    });
    assert.equal(formatPlatform(hostPlatform({ platform: 'win32', arch: 'arm64', release: '10.0.26100' })), 'windows/arm64/v8:10.0.26100.0');
    assert.equal(formatPlatform(hostPlatform({ platform: 'linux', arch: 'x64', release: '6.1.0-13-amd64' })), 'linux/amd64');
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

  // One entry per Windows build from 14393 to 26100, some with two revisions, one needing a
  // feature, and arm64 only for 26100: what mcr.microsoft.com's multi-build tags look like.
  const windows = [
    entry(101, 'windows/amd64:10.0.14393.6000'),
    entry(102, 'windows/amd64:10.0.16299.2166'),
    entry(103, 'windows/amd64:10.0.17134.2208'),
    entry(104, 'windows/amd64:10.0.17763.5000'),
    entry(105, 'windows/amd64:10.0.17763.5100'),
    entry(106, 'windows/amd64:10.0.17763.6000+win32k'),
    entry(107, 'windows/amd64:10.0.18362.1256'),
    entry(108, 'windows/amd64:10.0.18363.1556'),
    entry(109, 'windows/amd64:10.0.19041.1415'),
    entry(110, 'windows/amd64:10.0.19042.1889'),
    entry(111, 'windows/amd64:10.0.20348.2100'),
    entry(112, 'windows/amd64:10.0.20348.2000'),
    entry(113, 'windows/amd64:10.0.22000.2600'),
    entry(114, 'windows/amd64:10.0.22621.3000'),
    entry(115, 'windows/amd64:10.0.25398.1000'),
    entry(116, 'windows/amd64:10.0.26100.100'),
    entry(117, 'windows/arm64/v8:10.0.26100.2500'),
    entry(118, 'linux/amd64'),
  ];
  const older = [entry(201, 'windows/amd64:10.0.17763.5000'), entry(202, 'windows/amd64:10.0.20348.2000'), entry(203, 'windows/amd64:10.0.26100.1')];
  const windowsTable: [string, Descriptor[], string, number][] = [
    ['14393 host', windows, 'windows/amd64:10.0.14393.0', 101],
    ['16299 host', windows, 'windows/amd64:10.0.16299.1', 102],
    ['17134 host', windows, 'windows/amd64:10.0.17134.0', 103],
    ['17763 host: highest revision without features', windows, 'windows/amd64:10.0.17763.1', 105],
    ['17763 host with win32k: the entry needing it', windows, 'windows/amd64:10.0.17763.1+win32k', 106],
    ['17763 host with other features only', windows, 'windows/amd64:10.0.17763.1+other', 105],
    ['18362 host', windows, 'windows/amd64:10.0.18362.0', 107],
    ['18363 host', windows, 'windows/amd64:10.0.18363.0', 108],
    ['19041 host', windows, 'windows/amd64:10.0.19041.0', 109],
    ['19042 host', windows, 'windows/amd64:10.0.19042.0', 110],
    ['20348 host: highest revision wherever it is listed', windows, 'windows/amd64:10.0.20348.0', 111],
    ['20348 host revision newer than any entry', windows, 'windows/amd64:10.0.20348.9999', 111],
    ['22000 host', windows, 'windows/amd64:10.0.22000.0', 113],
    ['22621 host', windows, 'windows/amd64:10.0.22621.0', 114],
    ['25398 host', windows, 'windows/amd64:10.0.25398.0', 115],
    ['26100 amd64 host: the arm64 entry of a higher revision is not its', windows, 'windows/amd64:10.0.26100.0', 116],
    ['26100 arm64 host', windows, 'windows/arm64:10.0.26100.0', 117],
    ['26100 arm64/v8 host', windows, 'windows/arm64/v8:10.0.26100.0', 117],
    ['19043 host (not listed): newest older build', windows, 'windows/amd64:10.0.19043.0', 110],
    ['22631 host (not listed): newest older build', windows, 'windows/amd64:10.0.22631.0', 114],
    ['26200 host: newest build', windows, 'windows/amd64:10.0.26200.0', 116],
    ['19041 host, newer builds dropped', older, 'windows/amd64:10.0.19041.0', 201],
    ['22621 host, newer builds dropped', older, 'windows/amd64:10.0.22621.0', 202],
    ['20348 host, own build over older', older, 'windows/amd64:10.0.20348.0', 202],
    ['26100 host, own build over higher-revision older builds', older, 'windows/amd64:10.0.26100.0', 203],
  ];
  for (const [name, manifests, want, size] of windowsTable) {
    it(`selects windows: ${name}`, () => {
      assert.equal(selectManifest(manifests, parsePlatform(want)).size, size);
    });
  }

  const missing: [string, Descriptor[], string][] = [
    ['other arch', index, 'linux/s390x'],
    ['variant mismatch', index, 'linux/arm64/v9'],
    ['only newer windows builds', index, 'windows/amd64:10.0.14393.1'],
    ['empty index', [], 'linux/amd64'],
    ['windows host older than every entry', older, 'windows/amd64:10.0.14393.0'],
    ['windows arm64 host older than the arm64 entry', windows, 'windows/arm64:10.0.22621.0'],
    ['windows arch mismatch', windows, 'windows/386:10.0.26100.0'],
    ['windows variant mismatch', windows, 'windows/arm64/v9:10.0.26100.0'],
    ['windows entries needing features the host lacks', [entry(301, 'windows/amd64:10.0.17763.1+win32k')], 'windows/amd64:10.0.17763.1'],
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
    assert.throws(
      () => selectManifest([older[2]!, entry(301, 'windows/amd64:10.0.17763.1+win32k')], parsePlatform('windows/amd64:10.0.20348.0')),
      /: no windows\/amd64:10\.0\.20348\.0 variant of image; it offers windows\/amd64:10\.0\.26100\.1, windows\/amd64:10\.0\.17763\.1\+win32k$/,
    );
  });
});

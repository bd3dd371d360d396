import assert from 'node:assert/strict';
import { CtrimgError } from '../../../src/errors.js';
import type { Descriptor, DescriptorPlatform, ImageConfig } from '../../../src/image/manifest.js';
import { OCI_MANIFEST } from '../../../src/image/mediatypes.js';
import { checkRunsOn, formatPlatform, hostPlatform, parsePlatform, selectManifest, type Platform, type PlatformChoice } from '../../../src/image/platform.js';
import { PLATFORM_CASES } from './platform-cases.js';

/** An index entry's platform as written, `os/arch[/variant][:os.version][+feature...]`, nothing folded or checked. */
function rawPlatform(s: string): DescriptorPlatform {
  const [head, ...features] = s.split('+') as [string, ...string[]];
  const [path, version] = head.split(':') as [string, string | undefined];
  const [os, architecture, variant] = path.split('/') as [string, string, string | undefined];
  return {
    os,
    architecture,
    ...(variant !== undefined && { variant }),
    ...(version !== undefined && { 'os.version': version }),
    ...(features.length > 0 && { 'os.features': features }),
  };
}

function entry(n: number, platform: string | null): Descriptor {
  return {
    mediaType: OCI_MANIFEST,
    digest: `sha256:${n.toString(16).padStart(64, '0')}`,
    size: n,
    ...(platform !== null && { platform: rawPlatform(platform) }),
  };
}

function choice(host: string, asked?: string): PlatformChoice {
  return { host: parsePlatform(host), ...(asked !== undefined && { asked: parsePlatform(asked) }) };
}

const isPlatformNotFound = (...parts: string[]) => (e: unknown) =>
  e instanceof CtrimgError && e.kind === 'notFound' && e.code === 'PLATFORM_NOT_FOUND' && !e.message.includes('\n') && parts.every((p) => e.message.includes(p));

describe('image/platform', () => {
  it('parses and formats platforms', () => {
    const table: [string, Platform][] = [
      ['linux/amd64', { os: 'linux', architecture: 'amd64' }],
      ['linux/arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
      ['linux/arm64/v9.6', { os: 'linux', architecture: 'arm64', variant: 'v9.6' }],
      ['linux/x86-64', { os: 'linux', architecture: 'x86-64' }],
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
    for (const s of ['linux', 'linux/', '/amd64', 'a/b/c/d', 'linux/amd64:x', 'linux/amd64:1.2.3.4.5', 'li nux/amd64', 'li.nux/amd64', 'windows/amd64+', 'windows/amd64:10.0+w k']) {
      assert.throws(() => parsePlatform(s), (e: unknown) => e instanceof CtrimgError && e.kind === 'usage', s);
    }
  });

  it('maps host facts to OCI names, with the Windows revision (UBR)', () => {
    const facts = { endianness: 'LE' as const };
    assert.equal(formatPlatform(hostPlatform({ ...facts, platform: 'win32', arch: 'x64', release: '10.0.17763', ubr: 5830 })), 'windows/amd64:10.0.17763.5830');
    assert.equal(formatPlatform(hostPlatform({ ...facts, platform: 'win32', arch: 'arm64', release: '10.0.26100' })), 'windows/arm64/v8:10.0.26100', 'no revision made up when the UBR is unknown');
    assert.equal(formatPlatform(hostPlatform({ ...facts, platform: 'linux', arch: 'x64', release: '6.1.0-13-amd64', ubr: 7 })), 'linux/amd64');
    assert.equal(formatPlatform(hostPlatform({ ...facts, platform: 'linux', arch: 'arm', release: '6.1.0', armVersion: '7' })), 'linux/arm/v7');
    assert.equal(formatPlatform(hostPlatform({ ...facts, platform: 'linux', arch: 'ppc64', release: '6.1.0' })), 'linux/ppc64le');
    assert.equal(formatPlatform(hostPlatform({ ...facts, platform: 'linux', arch: 'ppc64', release: '6.1.0', endianness: 'BE' })), 'linux/ppc64');
    assert.equal(formatPlatform(hostPlatform({ ...facts, platform: 'linux', arch: 'ia32', release: '6.1.0' })), 'linux/386');
  });

  describe(`chooses index entries as containerd does (${PLATFORM_CASES.length} cases)`, () => {
    for (const c of PLATFORM_CASES) {
      it(`${c.name}: ${c.asked ? `-Platform ${c.asked} on ` : ''}${c.host}`, () => {
        const manifests = c.entries.map((p, i) => entry(i + 1, p));
        const run = () => selectManifest(manifests, choice(c.host, c.asked), 'r.io/a:1');
        if (c.takes === 0) {
          assert.throws(run, isPlatformNotFound('r.io/a:1', c.asked ?? c.host));
        } else {
          const chosen = run();
          assert.equal(chosen.entry.size, c.takes);
          assert.equal(chosen.position, c.takes);
          assert.equal(chosen.of, c.entries.length);
        }
      });
    }
  });

  it('says why an entry was taken', () => {
    const index = ['linux/amd64', 'windows/amd64:10.0.17763.1039', 'windows/amd64:10.0.17763.973', 'windows/amd64:10.0.20348.1'].map((p, i) => entry(i + 1, p));
    const why = (c: PlatformChoice) => selectManifest(index, c).why;
    assert.equal(why(choice('windows/amd64:10.0.17763.5830')), "the host's build 17763; the highest os.version of 2 matches, compared as text");
    assert.equal(why(choice('windows/amd64:10.0.22621.1')), 'build 20348, which a 22621 host runs (stable ABI); the only match');
    assert.match(why(choice('windows/amd64:10.0.17763.5830', 'windows/amd64')), /^the first of 2 matches in platforms\.Only order/);
    assert.equal(why(choice('linux/amd64')), 'the only match');
    assert.match(selectManifest([entry(1, null)], choice('linux/amd64')).why, /without a platform: its config is checked/);
  });

  it('names the host with its revision, and what the index offers, when nothing matches', () => {
    const index = [entry(1, 'windows/amd64:10.0.20348.1+win32k'), entry(2, 'linux/amd64')];
    assert.throws(
      () => selectManifest(index, choice('windows/amd64:10.0.17763.5830'), 'r.io/a:1'),
      /: no windows\/amd64:10\.0\.17763\.5830 variant of r\.io\/a:1; it offers windows\/amd64:10\.0\.20348\.1\+win32k, linux\/amd64$/,
    );
    assert.throws(
      () => selectManifest(index, choice('windows/amd64:10.0.17763.5830', 'windows/amd64')),
      /: no windows\/amd64 \(host windows\/amd64:10\.0\.17763\.5830\) variant of image; it offers /,
    );
    assert.throws(() => selectManifest([], choice('linux/amd64')), /: no linux\/amd64 variant of image; it offers no platforms$/);
  });

  describe('checks a config against the host (single manifests, entries without a platform)', () => {
    const config = (platform: string): ImageConfig => {
      const p = rawPlatform(platform);
      return { os: p.os, architecture: p.architecture, variant: p.variant, osVersion: p['os.version'], osFeatures: p['os.features'], diffIds: [] };
    };
    const runs: [string, string, PlatformChoice][] = [
      // moby checkImageCompatibility: an older or equal build passes its check; containerd's matcher then decides.
      ['the host build, another revision', 'windows/amd64:10.0.17763.1', choice('windows/amd64:10.0.17763.5830')],
      ['win32k dropped (windowsStripFeaturesMatcher)', 'windows/amd64:10.0.17763.1+win32k', choice('windows/amd64:10.0.17763.5830')],
      ['no os.version (windowsVersionMatcher: empty matches)', 'windows/amd64', choice('windows/amd64:10.0.17763.5830')],
      ['20348 on a 26100 host (stable ABI)', 'windows/amd64:10.0.20348.1', choice('windows/amd64:10.0.26100.1')],
      ['linux on linux', 'linux/amd64', choice('linux/amd64')],
      ['asked windows/amd64 on a linux host: any build', 'windows/amd64:10.0.26100.1', choice('linux/amd64', 'windows/amd64')],
      ['asked an older build on a newer host', 'windows/amd64:10.0.17763.1', choice('windows/amd64:10.0.20348.1', 'windows/amd64:10.0.17763')],
    ];
    for (const [name, cfg, c] of runs) {
      it(`runs: ${name}`, () => assert.doesNotThrow(() => checkRunsOn(config(cfg), c)));
    }
    const refused: [string, string, PlatformChoice][] = [
      ['a newer build', 'windows/amd64:10.0.26100.1', choice('windows/amd64:10.0.17763.5830')],
      ['an older build on a host before 20348', 'windows/amd64:10.0.14393.1', choice('windows/amd64:10.0.17763.5830')],
      ['linux on a Windows host', 'linux/amd64', choice('windows/amd64:10.0.17763.5830')],
      ['windows on a linux host', 'windows/amd64:10.0.17763.1', choice('linux/amd64')],
      ['another architecture', 'windows/arm64:10.0.17763.1', choice('windows/amd64:10.0.17763.5830')],
      ['asked windows/amd64, a build newer than the host (moby)', 'windows/amd64:10.0.26100.1', choice('windows/amd64:10.0.17763.5830', 'windows/amd64')],
    ];
    it("an entry chosen for its platform is trusted for the rest, but never for another OS or a build newer than the host's (moby)", () => {
      const host = choice('windows/amd64:10.0.17763.5830');
      assert.doesNotThrow(() => checkRunsOn(config('windows/arm64:10.0.17763.1'), host, 'r.io/a:1', true));
      assert.throws(() => checkRunsOn(config('linux/amd64'), host, 'r.io/a:1', true), isPlatformNotFound('r.io/a:1 is built for linux/amd64 only'));
      assert.doesNotThrow(() => checkRunsOn(config('linux/amd64'), choice('windows/amd64:10.0.17763.5830', 'linux/amd64'), 'r.io/a:1', true));
      assert.throws(() => checkRunsOn(config('windows/amd64:10.0.26100.1'), host, 'r.io/a:1', true), isPlatformNotFound('r.io/a:1 is built for windows/amd64:10.0.26100.1 only', 'windows/amd64:10.0.17763.5830'));
    });
    for (const [name, cfg, c] of refused) {
      it(`refuses: ${name}`, () => {
        assert.throws(() => checkRunsOn(config(cfg), c, 'r.io/a:1'), isPlatformNotFound(`r.io/a:1 is built for ${cfg} only, not for`, formatPlatform(c.asked ?? c.host)));
      });
    }
  });
});

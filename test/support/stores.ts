/**
 * For tests that look inside stores: a registry with the fixtures, a store with an image
 * installed, and a silent operations context on it.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openContext, type OpsContext } from '../../src/ops/context.js';
import { ctrimg } from './ctrimg.js';
import { publishFixtures, type Fixtures } from './fixtures.js';
import { startRegistry, type RunningRegistry } from './registry.js';

/** An operations context on `root` that reports nothing. */
export function quietContext(root: string): Promise<OpsContext> {
  return openContext({ root, report: { info: () => {}, warn: () => {}, debug: () => {} }, signal: new AbortController().signal });
}

/** A new store root (under the temp dir, named with `prefix`) with `reference` installed by the executable. */
export async function installedStore(prefix: string, reference: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', reference, '-Insecure']);
  assert.equal(r.code, 0, r.stderr);
  return root;
}

/**
 * A registry with the fixtures published, started before the suite's tests and stopped after
 * them: its fields are set once the suite's `before` hooks have run.
 */
export function fixtureRegistry(): { registry: RunningRegistry; fx: Fixtures } {
  const env = {} as { registry: RunningRegistry; fx: Fixtures };
  before(async () => {
    env.registry = await startRegistry();
    env.fx = await publishFixtures(env.registry.host);
  });
  after(async () => {
    await env.registry?.stop();
  });
  return env;
}

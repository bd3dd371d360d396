/**
 * withLease: the first holder in a context takes the lease file, nested holders (an operation
 * composed inside another) reuse it, the other kind taken by this same process does not wait,
 * and the file goes when the outermost holder finishes, whether it fails or not.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpsContext } from '../../../src/ops/context.js';
import { withLease } from '../../../src/ops/lease-scope.js';
import { leaseFiles, type LeaseKind } from '../../../src/ops/leases.js';
import { quietContext } from '../../support/stores.js';

describe('withLease', () => {
  let root: string;
  let ctx: OpsContext;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ctrimg-lease-scope-'));
    ctx = await quietContext(root);
  });
  afterEach(async () => {
    await ctx.close();
    await rm(root, { recursive: true, force: true });
  });

  const files = async (kind: LeaseKind) => (await leaseFiles(root, kind)).length;

  it('takes one lease file for nested holders of a kind, and the other kind without waiting on itself', async () => {
    const seen = await withLease(ctx, 'install', async () => {
      const outer = await files('install');
      const nested = await withLease(ctx, 'install', async () => files('install'));
      const both = await withLease(ctx, 'delete', async () => [await files('install'), await files('delete')]);
      return { outer, nested, both, afterNested: await files('install') };
    });
    assert.deepEqual(seen, { outer: 1, nested: 1, both: [1, 1], afterNested: 1 });
    assert.equal(await files('install'), 0);
    assert.equal(await files('delete'), 0);
  });

  it('keeps the lease while any holder still runs, whichever finishes first', async () => {
    const gate = () => {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      return { open, opened };
    };
    const [firstIn, firstDone, secondIn, secondDone] = [gate(), gate(), gate(), gate()];
    const first = withLease(ctx, 'install', async () => {
      firstIn.open();
      await firstDone.opened;
    });
    await firstIn.opened;
    const second = withLease(ctx, 'install', async () => {
      secondIn.open();
      await secondDone.opened;
      return files('install');
    });
    await secondIn.opened;
    firstDone.open();
    await first;
    assert.equal(await files('install'), 1, 'the second holder still runs under the lease');
    secondDone.open();
    assert.equal(await second, 1);
    assert.equal(await files('install'), 0);
  });

  it('takes one lease file for holders that start together', async () => {
    const seen = await Promise.all([1, 2, 3].map(() => withLease(ctx, 'delete', () => files('delete'))));
    assert.deepEqual(seen, [1, 1, 1]);
    assert.equal(await files('delete'), 0);
  });

  it('releases the lease when the operation fails, and takes it again afterwards', async () => {
    await assert.rejects(withLease(ctx, 'delete', async () => { throw new Error('boom'); }), /boom/);
    assert.equal(await files('delete'), 0);
    assert.equal(await withLease(ctx, 'delete', async () => files('delete')), 1);
  });
});

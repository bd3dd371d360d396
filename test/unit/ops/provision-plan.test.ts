/**
 * The provisioning planner, pure (desired images and installed ones in, kept, to install and
 * unclaimed out), then planned and applied over a store written directly (no registry: every
 * entry is kept, so only prune acts): removals, refusals, a declined confirmation, a refusal to
 * ask, and the exit code the failures make.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CtrimgError } from '../../../src/errors.js';
import type { OpsContext } from '../../../src/ops/context.js';
import { describeDesired, parseProvisioningFile, type DesiredImage } from '../../../src/ops/provision-file.js';
import { checkPrune, decideProvisioning, planProvisioning, provision, provisioningError, satisfies, type InstalledView } from '../../../src/ops/provision.js';
import type { ImageRecord } from '../../../store/index.js';
import { addImage, chainIdOf } from '../../support/lineage.js';
import { quietContext } from '../../support/stores.js';

const desired = (yaml: string): DesiredImage[] => parseProvisioningFile(`images:\n${yaml}`, 'images.yaml');

let nextId = 1;
function record(name: string, extra: Partial<ImageRecord> = {}): ImageRecord {
  const id = nextId++;
  return {
    id, name, publisher: null, version: null, description: null, repository: `127.0.0.1:5000/samples/${name.toLowerCase()}`, tag: null,
    manifestDigest: `sha256:${String(id).padStart(64, '0')}`, configDigest: `sha256:c${id}`, platform: 'windows/amd64:10.0.17763.1',
    size: 1, created: null, installed: 'now', sourceId: null, parentId: null, pulled: true, ...extra,
  };
}
const view = (image: ImageRecord, tags: string[] = [], source: string | null = null): InstalledView => ({ image, tags, source });

describe('provisioning plan', () => {
  describe('which installed image satisfies an entry', () => {
    const nano = view(record('NanoServer', { version: '10.0.17763.1' }), ['10.0.17763.1'], 'mcr');
    const [byName] = desired('  - name: nanoserver\n');
    it('by name, ignoring case, any version when none is asked', () => assert.ok(satisfies(nano, byName!)));

    it('within the version range, or exactly the version asked', () => {
      const wants = (v: string) => satisfies(nano, desired(`  - name: NanoServer\n    version: "${v}"\n`)[0]!);
      assert.deepEqual(['>=10.0.17763', '<=10.0.17763.1', '10.0.17763.1', '>=10.0.20348', '10.0.17763.2'].map(wants), [true, true, true, false, false]);
      assert.equal(satisfies(view(record('NanoServer')), desired('  - name: NanoServer\n    version: ">=1"\n')[0]!), false, 'an image without a version is in no range');
    });

    it('from the source asked for, when one is', () => {
      assert.ok(satisfies(nano, desired('  - name: NanoServer\n    source: MCR\n')[0]!));
      assert.equal(satisfies(nano, desired('  - name: NanoServer\n    source: other\n')[0]!), false);
    });

    it('on the platform asked for: os and architecture, the variant and build when given', () => {
      const on = (p: string) => satisfies(nano, desired(`  - name: NanoServer\n    platform: ${p}\n`)[0]!);
      assert.deepEqual(['windows/amd64', 'linux/amd64', 'windows/arm64', 'windows/amd64:10.0.17763', 'windows/amd64:10.0.17763.999', 'windows/amd64:10.0.20348'].map(on), [true, false, false, true, true, false]);
    });

    it('by reference: its repository with that tag (latest when none), or that manifest digest', () => {
      const web = view(record('WebApp'), ['1.2.0', 'latest']);
      const ref = (r: string) => satisfies(web, desired(`  - reference: ${r}\n`)[0]!);
      assert.deepEqual(
        ['127.0.0.1:5000/samples/webapp:1.2.0', '127.0.0.1:5000/samples/webapp', '127.0.0.1:5000/samples/webapp:2.0', '127.0.0.1:5001/samples/webapp:1.2.0', `127.0.0.1:5000/samples/webapp@${web.image.manifestDigest}`].map(ref),
        [true, true, false, false, true],
      );
    });
  });

  describe('deciding', () => {
    const nanoOld = record('NanoServer', { version: '10.0.17763.1' });
    const nanoNew = record('NanoServer', { version: '10.0.17763.5' });
    const web = record('WebApp', { version: '1.2.0', parentId: nanoOld.id });
    const api = record('Api', { version: '2.0', parentId: web.id });
    const tools = record('Tools', { version: '1.0' });
    const installed = [nanoOld, nanoNew, web, api, tools].map((i) => view(i));
    const byIdOf = (id: number) => installed.find((i) => i.image.id === id)?.image.name;

    it('keeps each entry by the newest image that satisfies it, and installs the others', () => {
      const d = decideProvisioning(desired('  - name: NanoServer\n    version: ">=10.0.17763"\n  - name: Missing\n'), installed);
      assert.deepEqual(d.entries.map((e) => e.keptBy?.version ?? 'install'), ['10.0.17763.5', 'install']);
    });

    it('leaves unclaimed no image that satisfies an entry, the older ones included', () => {
      const d = decideProvisioning(desired('  - name: NanoServer\n    version: ">=10.0.17763"\n'), [view(nanoOld), view(nanoNew), view(tools)]);
      assert.deepEqual(d.entries[0]!.satisfiedBy, [nanoOld, nanoNew]);
      assert.deepEqual(d.unclaimed, [tools]);
    });

    it('an entry not installed holds every image of its name, or of its repository, and their parents', () => {
      const [multi, byRef] = desired('  - name: webapp\n    version: ">=2.0"\n  - reference: 127.0.0.1:5000/samples/tools:9.9\n');
      const d = decideProvisioning([multi!, byRef!], installed, [], [multi!, byRef!]);
      assert.deepEqual(d.unclaimed.map((i) => i.name), ['NanoServer', 'Api'], 'the newer NanoServer no held image descends from, and the child of WebApp');
      assert.deepEqual([...d.held].map(([id, e]) => `${byIdOf(id)} ${e === multi ? 'multi' : 'ref'}`), ['WebApp multi', 'NanoServer multi', 'Tools ref']);
      assert.deepEqual(decideProvisioning([multi!, byRef!], installed).unclaimed.length, 5, 'installed, neither holds anything');
    });

    it('keeps an older satisfying image however new what is offered: what the sources offer is no input (idempotence)', () => {
      const d = decideProvisioning(desired('  - name: NanoServer\n    version: ">=10.0.17763"\n'), [view(nanoOld), view(web)]);
      assert.equal(d.entries[0]!.keptBy, nanoOld);
    });

    it('leaves unclaimed only what no kept image is or descends from: parents of listed images stay', () => {
      const d = decideProvisioning(desired('  - name: Api\n'), installed);
      assert.deepEqual(d.unclaimed.map((i) => `${i.name} ${i.version}`), ['NanoServer 10.0.17763.5', 'Tools 1.0']);
    });

    it('claims what an install just added, with its ancestors', () => {
      const d = decideProvisioning([], installed, [web]);
      assert.deepEqual(d.unclaimed.map((i) => i.name), ['NanoServer', 'Api', 'Tools']);
      assert.equal(d.unclaimed[0], nanoNew);
    });

    it('with nothing installed, installs every entry and leaves nothing to prune', () => {
      const d = decideProvisioning(desired('  - name: A\n  - reference: 127.0.0.1:5000/b:1\n'), []);
      assert.deepEqual(d.entries.map((e) => e.keptBy), [undefined, undefined]);
      assert.deepEqual(d.unclaimed, []);
    });
  });

  describe('over a store', () => {
    let root: string;
    let ctx: OpsContext;
    beforeEach(async () => {
      root = await mkdtemp(join(tmpdir(), 'ctrimg-provision-'));
      ctx = await quietContext(root);
      addImage(ctx.store, 'Base', ['a']);
      addImage(ctx.store, 'Child', ['a', 'c']);
      const used = addImage(ctx.store, 'Used', ['a', 'u']);
      addImage(ctx.store, 'Loose', ['l']);
      ctx.store.containers.add({ cid: 'e'.repeat(64), name: 'web1', imageId: used.id, state: 'Off', created: 'now' });
    });
    afterEach(async () => {
      await ctx.close();
      await rm(root, { recursive: true, force: true });
    });
    const names = () => ctx.store.images.all().map((i) => i.name).sort();
    const rows = (p: { items: { action: string; status: string; image?: ImageRecord }[] }) => p.items.map((i) => `${i.action} ${i.status} ${i.image?.name ?? '-'}`);
    const file = desired('  - name: Child\n  - name: missing\n');

    it('plans keep, install, remove and refused, and changes nothing', () => {
      const plan = planProvisioning(ctx, file, { prune: true });
      assert.deepEqual(rows(plan), ['Keep Succeeded Child', 'Install Skipped -', 'Remove Skipped Loose', 'Refused Skipped Used']);
      assert.equal(plan.changed, true);
      const planned = provisioningError(plan)!;
      assert.deepEqual([planned.exitCode, planned.code], [4, 'IMAGE_IN_USE'], 'a plan fails nothing, but exits as the refusal it plans would');
      assert.equal(planned.message, "1 of 4 images would be refused (nothing was changed): Used: not in the file, but used by container 'web1' (Off)");
      assert.equal(provisioningError(planProvisioning(ctx, desired('  - name: Child\n  - name: Used\n'), { prune: true })), undefined, 'no refusal planned: no error');
      assert.deepEqual(names(), ['Base', 'Child', 'Loose', 'Used']);
      assert.deepEqual(rows(planProvisioning(ctx, file.slice(0, 1), { prune: false })), ['Keep Succeeded Child']);
      assert.equal(planProvisioning(ctx, file.slice(0, 1), { prune: false }).changed, false);
    });

    it('refuses an entry naming a source that is not registered, at its place in the file, before anything', () => {
      assert.throws(() => planProvisioning(ctx, desired('  - name: Child\n    source: nope\n'), { prune: true }), (err: CtrimgError) =>
        err.code === 'SOURCE_NOT_FOUND' && err.message === "images.yaml:3:13: no source named 'nope' is registered");
    });

    it('prunes what the file does not list, refuses what a container uses (exit 4), and keeps parents of listed images', async () => {
      let asked: string[] = [];
      const p = await provision(ctx, desired('  - name: Child\n'), { prune: true, confirmRemoval: async (images) => ((asked = images.map((i) => i.name)), true) });
      assert.deepEqual(asked, ['Loose'], 'asked about the removals alone');
      assert.deepEqual(rows(p), ['Keep Succeeded Child', 'Remove Succeeded Loose', 'Refused Failed Used']);
      assert.equal(p.changed, true);
      assert.deepEqual(names(), ['Base', 'Child', 'Used']);
      const err = provisioningError(p)!;
      assert.equal(err.exitCode, 4);
      assert.equal(err.code, 'IMAGE_IN_USE');
      assert.equal(err.message, "1 of 3 images failed (the others were attempted): Used: not in the file, but used by container 'web1' (Off)");
    });

    it('removes nothing when the removal is declined, and nothing at all when asking throws', async () => {
      const p = await provision(ctx, desired('  - name: Child\n'), { prune: true, confirmRemoval: async () => false });
      assert.deepEqual(rows(p), ['Keep Succeeded Child', 'Remove Skipped Loose', 'Refused Failed Used']);
      assert.equal(p.changed, false);
      await assert.rejects(provision(ctx, desired('  - name: Child\n'), { prune: true, confirmRemoval: () => Promise.reject(new Error('no terminal')) }), /no terminal/);
      assert.deepEqual(names(), ['Base', 'Child', 'Loose', 'Used']);
    });

    it('refuses an empty list with prune before anything changes; without prune it is nothing to do', async () => {
      const empty = (err: CtrimgError) => err.exitCode === 2 && err.code === 'PROVISION_EMPTY' && /^the file lists no images, and pruning to an empty list would remove every installed image; nothing was changed$/.test(err.message);
      assert.throws(() => checkPrune([], { prune: true }), empty);
      assert.throws(() => planProvisioning(ctx, [], { prune: true }), empty);
      await assert.rejects(provision(ctx, [], { prune: true }), empty);
      assert.deepEqual(names(), ['Base', 'Child', 'Loose', 'Used']);
      const p = await provision(ctx, [], { prune: false });
      assert.deepEqual([p.items, p.changed], [[], false]);
    });

    it('keeps every installed image that satisfies an entry, each on a Keep row, the newest first', async () => {
      addImage(ctx.store, 'Loose', ['l2'], { version: '2.0', manifestDigest: chainIdOf(['manifest', 'Loose 2']), configDigest: chainIdOf(['config', 'Loose 2']) });
      const file2 = desired('  - name: Child\n  - name: Used\n  - name: Loose\n');
      const plan = planProvisioning(ctx, file2, { prune: true });
      assert.deepEqual(rows(plan), ['Keep Succeeded Child', 'Keep Succeeded Used', 'Keep Succeeded Loose', 'Keep Succeeded Loose']);
      assert.deepEqual(plan.items.slice(2).map((i) => i.image!.version), ['2.0', null]);
      const p = await provision(ctx, file2, { prune: true, confirmRemoval: () => assert.fail('nothing to remove') });
      assert.equal(p.changed, false);
      assert.equal(ctx.store.images.all().filter((i) => i.name === 'Loose').length, 2);
    });

    it('an install that fails keeps the installed images of its name from prune, with a note (no data loss)', async () => {
      // No source is registered: the install of Loose >=2.0 fails, and Loose (no version) does not satisfy it.
      const p = await provision(ctx, desired('  - name: Child\n  - name: Loose\n    version: ">=2.0"\n'), { prune: true, confirmRemoval: async () => true });
      assert.deepEqual(rows(p), ['Keep Succeeded Child', 'Install Failed -', 'Keep Succeeded Loose', 'Refused Failed Used']);
      assert.equal(p.items[2]!.heldFor, 'Loose >=2.0.0.0');
      assert.deepEqual(names(), ['Base', 'Child', 'Loose', 'Used']);
    });

    it('an install declined is Skipped and keeps the images of its name too', async () => {
      const asked: string[] = [];
      const p = await provision(ctx, desired('  - name: Child\n  - name: Loose\n    version: ">=2.0"\n'), {
        prune: true, confirmRemoval: async () => true, confirmInstall: async (d) => (asked.push(describeDesired(d)), false),
      });
      assert.deepEqual(asked, ['Loose >=2.0.0.0']);
      assert.deepEqual(rows(p), ['Keep Succeeded Child', 'Install Skipped -', 'Keep Succeeded Loose', 'Refused Failed Used']);
      assert.deepEqual(names(), ['Base', 'Child', 'Loose', 'Used']);
    });

    it('stops at the first failure when asked: the installs and removals after it are Skipped', async () => {
      const file2 = desired('  - name: Child\n  - name: NoSuch1\n  - name: NoSuch2\n');
      const stopped = await provision(ctx, file2, { prune: true, confirmRemoval: async () => true, stopAtFirstFailure: true });
      assert.deepEqual(rows(stopped), ['Keep Succeeded Child', 'Install Failed -', 'Install Skipped -', 'Remove Skipped Loose', 'Refused Skipped Used']);
      assert.deepEqual(names(), ['Base', 'Child', 'Loose', 'Used']);
      assert.equal(provisioningError(stopped)!.message.startsWith('1 of 5 images failed'), true);
      const all = await provision(ctx, file2, { prune: true, confirmRemoval: async () => true });
      assert.deepEqual(rows(all), ['Keep Succeeded Child', 'Install Failed -', 'Install Failed -', 'Remove Succeeded Loose', 'Refused Failed Used'], 'by default every item is attempted');
    });

    it('a second run changes nothing and fails nothing once what is left is listed', async () => {
      const file2 = desired('  - name: Child\n  - name: Used\n  - name: Loose\n');
      const p = await provision(ctx, file2, { prune: true, confirmRemoval: () => assert.fail('nothing to remove: no question') });
      assert.deepEqual(rows(p), ['Keep Succeeded Child', 'Keep Succeeded Used', 'Keep Succeeded Loose']);
      assert.equal(p.changed, false);
      assert.equal(provisioningError(p), undefined);
    });
  });

  describe('the error a run ends with', () => {
    const failure = (kind: 'failed' | 'notFound' | 'dependent', code: 'FAILED' | 'IMAGE_NOT_FOUND' | 'IMAGE_IN_USE') => ({
      action: 'Install' as const, status: 'Failed' as const, image: record('X'), error: new CtrimgError(kind, 'boom', { code }),
    });
    const errorOf = (items: ReturnType<typeof failure>[]) => provisioningError({ items, changed: false, whatIf: false })!;
    it('takes the kind and code the failures share, else a plain failure', () => {
      assert.deepEqual([errorOf([failure('notFound', 'IMAGE_NOT_FOUND')])].map((e) => [e.exitCode, e.code]), [[3, 'IMAGE_NOT_FOUND']]);
      assert.deepEqual([errorOf([failure('dependent', 'IMAGE_IN_USE'), failure('dependent', 'IMAGE_IN_USE')])].map((e) => [e.exitCode, e.code]), [[4, 'IMAGE_IN_USE']]);
      assert.deepEqual([errorOf([failure('dependent', 'IMAGE_IN_USE'), failure('notFound', 'IMAGE_NOT_FOUND')])].map((e) => [e.exitCode, e.code]), [[1, 'FAILED']]);
    });
  });
});

/**
 * Model-based test of the store (issue 15, item 4): random image families (shared bases, deep
 * chains, siblings, twins with identical chains; test/support/image-families.ts) and random
 * sequences of install, new-container, container state changes, commit (New-ContainerImage),
 * remove-container and remove-image (one or several at once), run through src/ops on a real store in a temp directory. After every step the
 * store is checked against an independent model (test/support/store-model.ts): the images and
 * their ParentImage, the refusals with exit code 4 of what something depends on, and exactly the
 * blobs, layers and container directories in use, on disk and in the database
 * (test/support/store-commands.ts, verifyStore).
 *
 * A failure prints fast-check's report: the seed, the path of the shrunk counterexample and its
 * family and commands, whose end reads `replayPath="<replay>"`. Replay exactly that case (after
 * `npm run build`) with
 *     PROPTEST_SEED=<seed> PROPTEST_PATH='<path>' PROPTEST_REPLAY='<replay>' \
 *       npx mocha dist/test/unit/ops/store-model.test.js
 * and run more cases than the default 500 with PROPTEST_RUNS=<n> (PROPTEST_SEED alone replays a
 * whole run of them). PROPTEST_NOSHRINK=1 reports the first failing case as it is: shrinking
 * runs each smaller case against a real store, which can take minutes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { FamilyLayout, imageFamily } from '../../support/image-families.js';
import { emptyStore, storeCommands, type RealStore } from '../../support/store-commands.js';
import { StoreModel, type LayerFacts } from '../../support/store-model.js';
import { quietContext } from '../../support/stores.js';

const RUNS = Number(process.env.PROPTEST_RUNS ?? 500);
const SEED = process.env.PROPTEST_SEED === undefined ? undefined : Number(process.env.PROPTEST_SEED);
const PATH = process.env.PROPTEST_PATH;
/** The commands' own replay path, printed in the counterexample as replayPath="...". */
const REPLAY = process.env.PROPTEST_REPLAY;
/** Commands a run has at most, and how long fast-check makes them (PROPTEST_SIZE: small, medium, large). */
const MAX_COMMANDS = 12;
const SIZE = (process.env.PROPTEST_SIZE ?? 'medium') as fc.Size;
/** fast-check stops (and fails) by then, so its report, not mocha's timeout, ends a slow run. */
const TIME_LIMIT_MS = 240_000;

describe('the store against its model: install, containers and removal in any order', function () {
  this.timeout(TIME_LIMIT_MS + 60_000);
  let scratch: string;
  let layout: FamilyLayout;
  let facts: Map<string, LayerFacts>;
  /** The store runs share, emptied at the end of each; made again only after a failed run. */
  let shared: RealStore | undefined;

  const store = async (): Promise<RealStore> => {
    if (!shared) {
      const root = await mkdtemp(join(scratch, 'store-'));
      shared = { ctx: await quietContext(root), root, layout };
    }
    return shared;
  };
  const discard = async () => {
    if (!shared) return;
    const { ctx, root } = shared;
    shared = undefined;
    await ctx.close();
    await rm(root, { recursive: true, force: true });
  };

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'ctrimg-model-'));
    layout = await FamilyLayout.create(join(scratch, 'layout'));
    facts = new Map(layout.layers.map((l, k) => [`L${k}`, l]));
  });
  after(async () => {
    await discard();
    await rm(scratch, { recursive: true, force: true });
  });

  it(`keeps lineage, commits, refusals and the content on disk right after every step, and empties in the end (${RUNS} runs)`, async () => {
    const scenario = imageFamily().chain((family) =>
      fc.tuple(fc.constant(family), fc.commands(storeCommands(family), { maxCommands: MAX_COMMANDS, size: SIZE, replayPath: REPLAY })),
    );
    await fc.assert(
      fc.asyncProperty(scenario, async ([, commands]) => {
        const real = await store();
        const model = new StoreModel(new Map(facts));
        try {
          await fc.asyncModelRun(() => ({ model, real }), commands);
          await emptyStore(model, real);
        } catch (err) {
          await discard();
          throw err;
        }
      }),
      { numRuns: RUNS, seed: SEED, path: PATH, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: true, endOnFailure: process.env.PROPTEST_NOSHRINK === '1' },
    );
  });
});

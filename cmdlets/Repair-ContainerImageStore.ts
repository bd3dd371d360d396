import type { CmdletSpec } from '../src/cli/types.js';
import { failed } from '../src/errors.js';
import { renderFindings } from '../src/format/repair.js';
import { plural } from '../src/format/units.js';
import { isClean, repairStore } from '../src/ops/repair.js';
import { withOps } from './context.js';
import { databaseHints, REPAIR_AGAIN } from './hints.js';

export const cmdlet: CmdletSpec = {
  name: 'Repair-ContainerImageStore',
  synopsis: 'Checks blobs and layers against the database and reports every difference; -Fix deletes what can safely go.',
  params: [
    { name: 'Fix', type: 'switch', description: 'Delete corrupt and unreferenced blobs, unrecorded layers and leftovers of stopped processes (waits for running installs).' },
  ],
  hints: databaseHints,
  examples: [
    { command: 'ctrimg Repair-ContainerImageStore', description: 'Report only; exit code 1 when something needs fixing.' },
    { command: 'ctrimg Repair-ContainerImageStore -Fix -OutputFormat Json', description: 'Fix, and list what was done.' },
  ],
  run: (args, io) =>
    withOps(io, async (ctx) => {
      const findings = await repairStore(ctx, { fix: args.Fix === true });
      io.out(renderFindings(findings, io.outputFormat));
      if (!isClean(findings)) {
        const left = findings.filter((f) => f.action === 'WouldDelete' || f.action === 'Reinstall' || f.action === 'RestoreDatabase');
        const reinstall = [...new Set(left.flatMap((f) => (f.action === 'Reinstall' ? f.images : [])))];
        const database = left.some((f) => f.action === 'RestoreDatabase');
        throw failed(database ? "the store's database is damaged" : `${plural(left.length, 'problem')} in the store`, {
          hint: database ? REPAIR_AGAIN : reinstall.length > 0 ? `remove and reinstall ${reinstall.join(', ')}` : 'run with -Fix to repair',
          code: database ? 'DATABASE_DAMAGED' : 'STORE_DAMAGED',
        });
      }
    }),
};

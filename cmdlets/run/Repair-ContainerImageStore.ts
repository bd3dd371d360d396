/** What Repair-ContainerImageStore runs; cmdlets/Repair-ContainerImageStore.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { failed } from '../../src/errors.js';
import { renderFindings } from '../../src/format/repair.js';
import { plural } from '../../src/format/units.js';
import { isClean, repairStore } from '../../src/ops/repair.js';
import { withOps } from '../context.js';
import { REPAIR_AGAIN } from '../hints.js';

export const run: CmdletRun = (args, io) =>
  withOps(io, async (ctx) => {
    // Declined, or -WhatIf: the check alone, which says what -Fix would delete.
    const fix = args.Fix === true && (await io.shouldProcess(ctx.root, 'Repair'));
    const findings = await repairStore(ctx, { fix });
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
  });

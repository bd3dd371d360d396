/** What Invoke-ContainerImageProvisioning runs; cmdlets/Invoke-ContainerImageProvisioning.ts, its spec, loads this when it runs. */
import type { CmdletIO, CmdletRun } from '../../src/cli/types.js';
import { usage } from '../../src/errors.js';
import { provisioningSummary, renderProvisioningJson, renderProvisioningTable } from '../../src/format/provision.js';
import type { ImageRecord } from '../../store/index.js';
import { describeImage } from '../../src/ops/images.js';
import { readProvisioningFile } from '../../src/ops/provision-file.js';
import { planProvisioning, provision, provisioningError, type Provisioning } from '../../src/ops/provision.js';
import { withOps, withStore } from '../context.js';
import { importerArg } from '../args.js';

export const run: CmdletRun = async (args, io) => {
  // Read and checked whole before the store is opened: a bad file changes nothing.
  const desired = await readProvisioningFile(args.Path as string);
  const prune = args.Prune === true;
  if (args.WhatIf === true) return withStore(io, (ctx) => report(io, planProvisioning(ctx, desired, { prune })));
  const confirmRemoval = args.Force === true ? undefined : (images: ImageRecord[]) => confirm(io, images);
  return withOps(io, async (ctx) => report(io, await provision(ctx, desired, { prune, confirmRemoval })), importerArg(args));
};

/** Asked on a terminal; elsewhere refused before anything changes, as a script must not be stopped by a question. */
function confirm(io: CmdletIO, images: ImageRecord[]): Promise<boolean> {
  const names = images.map(describeImage).join(', ');
  if (!io.canAsk) throw usage(`-Prune would remove ${names}, and there is no terminal to confirm it on; nothing was changed`, { hint: 'give -Force to remove them without asking, or -WhatIf to see the plan' });
  return io.confirm(`Remove ${names} (not in the file)?`);
}

function report(io: CmdletIO, p: Provisioning): void {
  io.out(io.outputFormat === 'Json' ? renderProvisioningJson(p) : renderProvisioningTable(p));
  io.info(provisioningSummary(p));
  const err = provisioningError(p);
  if (err) throw err;
}

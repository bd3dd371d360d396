/** What Invoke-ContainerImageProvisioning runs; cmdlets/Invoke-ContainerImageProvisioning.ts, its spec, loads this when it runs. */
import type { CmdletIO, CmdletRun } from '../../src/cli/types.js';
import { provisioningSummary, renderProvisioningJson, renderProvisioningTable } from '../../src/format/provision.js';
import type { ImageRecord } from '../../store/index.js';
import { describeImage } from '../../src/ops/images.js';
import { describeDesired, readProvisioningFile, type DesiredImage } from '../../src/ops/provision-file.js';
import { checkPrune, planProvisioning, provision, provisioningError, type Provisioning } from '../../src/ops/provision.js';
import { withOps, withStore } from '../context.js';
import { importerArg } from '../args.js';

export const run: CmdletRun = async (args, io) => {
  // Read and checked whole before the store is opened: a bad file changes nothing.
  const desired = await readProvisioningFile(args.Path as string);
  const prune = args.Prune === true;
  checkPrune(desired, { prune });
  if (io.whatIf) return withStore(io, (ctx) => report(io, planProvisioning(ctx, desired, { prune })));
  // Asked once, for every removal together, before anything changes, as a High cmdlet asks (unless
  // -Force): off a terminal without -Force it refuses (CONFIRMATION_REQUIRED) before the installs too.
  const confirmRemoval = (images: ImageRecord[]) => io.shouldProcess(`${images.map(describeImage).join(', ')} (not in the file)`, 'Remove', 'High');
  const confirmInstall = (d: DesiredImage) => io.shouldProcess(describeDesired(d), 'Install');
  const opts = { prune, confirmRemoval, confirmInstall, stopAtFirstFailure: io.errorAction === 'Stop' };
  return withOps(io, async (ctx) => report(io, await provision(ctx, desired, opts)), importerArg(args));
};

function report(io: CmdletIO, p: Provisioning): void {
  io.out(io.outputFormat === 'Json' ? renderProvisioningJson(p) : renderProvisioningTable(p));
  io.info(provisioningSummary(p));
  const err = provisioningError(p);
  if (err) io.writeError(err);
}

/** What `completion` runs; cmdlets/completion.ts, its spec, loads this when it runs. */
import { completionScript, type Shell } from '../../src/cli/completion-scripts.js';
import type { CmdletRun } from '../../src/cli/types.js';
import { usage } from '../../src/errors.js';

export const run: CmdletRun = async (args, io) => {
  const shells = args.Arguments as Shell[];
  // docker's words for a verb that takes one argument.
  if (shells.length !== 1) throw usage(`"completion" requires exactly 1 argument (bash or powershell), not ${shells.length}`);
  io.out(completionScript(shells[0]!));
};

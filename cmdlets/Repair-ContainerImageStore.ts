import type { CmdletSpec } from '../src/cli/types.js';
import { databaseHints } from './hints.js';

export const cmdlet: CmdletSpec = {
  name: 'Repair-ContainerImageStore',
  synopsis: 'Checks blobs and layers against the database and reports every difference; -Fix deletes what can safely go.',
  // What -Fix deletes: without it, nothing is changed and nothing is asked.
  confirmImpact: 'High',
  params: [
    { name: 'Fix', type: 'switch', description: 'Delete corrupt and unreferenced blobs, unrecorded layers and leftovers of stopped processes (waits for running installs).' },
    { name: 'Force', type: 'switch', description: 'With -Fix: do not ask for confirmation (needed, or -Confirm:$false, with no terminal to ask on).' },
  ],
  hints: databaseHints,
  examples: [
    { command: 'ctrimg Repair-ContainerImageStore', description: 'Report only; exit code 1 when something needs fixing.' },
    { command: 'ctrimg Repair-ContainerImageStore -Fix -Force -OutputFormat Json', description: 'Fix without asking, and list what was done.' },
  ],
  run: (...a) => import('./run/Repair-ContainerImageStore.js').then((m) => m.run(...a)),
};

import type { CmdletSpec } from '../src/cli/types.js';
import { databaseHints } from './hints.js';
import { importerParam } from './params.js';

/** docker commit: New-ContainerImage's operation, the image named as REPOSITORY[:TAG]. */
export const cmdlet: CmdletSpec = {
  name: 'commit',
  synopsis: "Creates an image from a container's changes (docker commit); the tag is the version when it is one.",
  params: [
    { name: 'Arguments', type: 'string[]', required: true, positional: true, description: 'CONTAINER REPOSITORY[:TAG]' },
    importerParam,
  ],
  hints: databaseHints,
  examples: [{ command: 'ctrimg commit c1 demoimage:1.0', description: "Commits container 'c1' as demoimage, version 1.0.0.0." }],
  run: (...a) => import('./run/commit.js').then((m) => m.run(...a)),
};

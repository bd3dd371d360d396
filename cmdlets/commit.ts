import type { CmdletSpec } from '../src/cli/types.js';
import { databaseHints } from './hints.js';

/** docker commit: New-ContainerImage's operation, the image named as REPOSITORY[:TAG]; docker's flags. */
export const cmdlet: CmdletSpec = {
  name: 'commit',
  syntax: 'docker',
  usage: '[OPTIONS] CONTAINER REPOSITORY[:TAG]',
  synopsis: "Create an image from a container's changes (docker commit); the tag is the version when it is one. Prints the new image's id.",
  params: [
    { name: 'Arguments', type: 'string[]', positional: true, description: 'CONTAINER REPOSITORY[:TAG]' },
    { name: 'Author', type: 'string', short: 'a', description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { name: 'Message', type: 'string', short: 'm', description: 'Commit message' },
    { name: 'Pause', type: 'switch', short: 'p', description: "Pause container during commit (default true; ctrimg's containers run nothing to pause)" },
    { name: 'Importer', type: 'string', choices: ['dir', 'hcs'], description: 'The layer importer (default: the store\'s)' },
  ],
  hints: databaseHints,
  examples: [{ command: "ctrimg commit -m 'add the site' c1 demoimage:1.0", description: "Commits container 'c1' as demoimage, version 1.0.0.0." }],
  run: (...a) => import('./run/commit.js').then((m) => m.run(...a)),
};

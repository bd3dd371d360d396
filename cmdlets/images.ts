import type { CmdletSpec } from '../src/cli/types.js';

/** docker images over the installed images; flags as docker 20.10's. */
export const cmdlet: CmdletSpec = {
  name: 'images',
  syntax: 'docker',
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  synopsis: 'List images (docker images): one row per repository and tag.',
  params: [
    { name: 'Arguments', type: 'string[]', positional: true, description: 'REPOSITORY[:TAG]' },
    { name: 'All', type: 'switch', short: 'a', description: 'Show all images (default hides intermediate images)' },
    { name: 'Digests', type: 'switch', description: 'Show digests' },
    { name: 'Filter', type: 'string[]', short: 'f', description: 'Filter output based on conditions provided (dangling, label, before, since, reference)' },
    { name: 'Format', type: 'string', description: "Pretty-print images using a Go template, or 'json'" },
    { name: 'NoTrunc', type: 'switch', description: "Don't truncate output" },
    { name: 'Quiet', type: 'switch', short: 'q', description: 'Only show image IDs' },
  ],
  examples: [
    { command: 'ctrimg images', description: 'Every tagged image, newest first.' },
    { command: "ctrimg images --filter dangling=true -q", description: 'The ids of the images no tag names.' },
  ],
  run: (...a) => import('./run/images.js').then((m) => m.run(...a)),
};

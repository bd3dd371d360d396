import type { CmdletSpec } from '../src/cli/types.js';

/** docker save: installed images to one docker-save archive, as docker writes it. */
export const cmdlet: CmdletSpec = {
  name: 'save',
  syntax: 'docker',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  synopsis: 'Save one or more installed images to a docker-save archive (docker save); docker load and ctrimg load read it.',
  params: [
    { name: 'Arguments', type: 'string[]', positional: true, description: 'IMAGE [IMAGE...]' },
    { name: 'Output', type: 'string', short: 'o', description: 'Write to a file (required: ctrimg does not write an archive to stdout)' },
  ],
  examples: [{ command: 'ctrimg save -o app.tar 127.0.0.1:5000/app:1.0', description: 'One image, under its tag.' }],
  run: (...a) => import('./run/save.js').then((m) => m.run(...a)),
};

import type { CmdletSpec } from '../src/cli/types.js';

/** docker rmi over the installed images; docker 20.10's flags, ctrimg's rules (-f never removes what something depends on). */
export const cmdlet: CmdletSpec = {
  name: 'rmi',
  syntax: 'docker',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  synopsis: 'Remove one or more images (docker rmi): a tag, a digest, or an image by id.',
  params: [
    { name: 'Arguments', type: 'string[]', positional: true, description: 'IMAGE [IMAGE...]' },
    {
      name: 'Force',
      type: 'switch',
      short: 'f',
      description: 'Untag an image tagged in several repositories, and ignore images that are not there; never removes one a container or a child image uses',
    },
    { name: 'NoPrune', type: 'switch', description: 'Do not delete untagged parents (ctrimg never does)' },
  ],
  examples: [{ command: 'ctrimg rmi 127.0.0.1:5000/app:1.0', description: 'Untags app:1.0; removes the image when that was its last reference.' }],
  run: (...a) => import('./run/rmi.js').then((m) => m.run(...a)),
};

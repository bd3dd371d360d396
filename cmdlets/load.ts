import type { CmdletSpec } from '../src/cli/types.js';

/** docker load: every image of an archive or layout, as Install-ContainerImage -Path installs one. */
export const cmdlet: CmdletSpec = {
  name: 'load',
  syntax: 'docker',
  usage: '[OPTIONS]',
  synopsis: 'Load images from a docker-save archive, an OCI archive or an OCI layout directory (docker load).',
  params: [
    { name: 'Input', type: 'string', short: 'i', description: 'Read from this archive file or layout directory (required: ctrimg does not read an archive from stdin)' },
    { name: 'Quiet', type: 'switch', short: 'q', description: 'Suppress the load output' },
  ],
  examples: [{ command: 'ctrimg load -i app.tar', description: 'Every image the archive holds, under every name it carries.' }],
  run: (...a) => import('./run/load.js').then((m) => m.run(...a)),
};

import type { CmdletSpec } from '../src/cli/types.js';
import { sourceHints } from './hints.js';

/** docker pull: Install-ContainerImage -Reference with docker's lines on stdout. */
export const cmdlet: CmdletSpec = {
  name: 'pull',
  syntax: 'docker',
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  synopsis: 'Pull an image from a registry (docker pull): installs it, printing docker\'s per-layer lines.',
  params: [
    { name: 'Arguments', type: 'string[]', positional: true, description: 'NAME[:TAG|@DIGEST]' },
    { name: 'AllTags', type: 'switch', short: 'a', description: 'Download all tagged images in the repository' },
    { name: 'Platform', type: 'string', description: 'os/arch[/variant] to pick from a multi-platform image (default: this host)' },
    { name: 'Quiet', type: 'switch', short: 'q', description: 'Suppress verbose output: print the reference only' },
  ],
  hints: sourceHints,
  examples: [{ command: 'ctrimg pull 127.0.0.1:5000/windows/nanoserver:10.0.17763.1', description: 'Over the scheme of the source registered for 127.0.0.1:5000 (https otherwise).' }],
  run: (...a) => import('./run/pull.js').then((m) => m.run(...a)),
};

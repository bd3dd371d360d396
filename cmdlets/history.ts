import type { CmdletSpec } from '../src/cli/types.js';

/** docker history over an installed image; flags as docker 20.10's. */
export const cmdlet: CmdletSpec = {
  name: 'history',
  syntax: 'docker',
  usage: '[OPTIONS] IMAGE',
  synopsis: 'Show the history of an image (docker history).',
  params: [
    { name: 'Arguments', type: 'string[]', positional: true, description: 'IMAGE' },
    { name: 'Format', type: 'string', description: "Pretty-print history using a Go template, or 'json'" },
    { name: 'Human', type: 'switch', short: 'H', description: 'Print sizes and dates in human readable format (default true; -H=false for bytes and RFC 3339)' },
    { name: 'NoTrunc', type: 'switch', description: "Don't truncate output" },
    { name: 'Quiet', type: 'switch', short: 'q', description: 'Only show image IDs' },
  ],
  examples: [{ command: 'ctrimg history 127.0.0.1:5000/windows/servercore:ltsc2019', description: 'The layers and the commands that made them, newest first.' }],
  run: (...a) => import('./run/history.js').then((m) => m.run(...a)),
};

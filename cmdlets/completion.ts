import type { CmdletSpec } from '../src/cli/types.js';
import { SHELLS } from '../src/cli/completion-scripts.js';

/** As `docker completion`: a script that makes the shell complete ctrimg's names on TAB. */
export const cmdlet: CmdletSpec = {
  name: 'completion',
  syntax: 'docker',
  usage: 'SHELL',
  synopsis: 'Print a script that completes cmdlet names, parameter names and their fixed values on TAB, for bash or PowerShell.',
  params: [{ name: 'Arguments', type: 'string[]', positional: true, choices: [...SHELLS], description: 'SHELL: bash or powershell' }],
  examples: [
    { command: 'ctrimg completion bash > ~/.local/share/bash-completion/completions/ctrimg', description: "Completion in every new bash (bash-completion loads it on ctrimg's first TAB)." },
    { command: 'ctrimg completion powershell | Out-String | Invoke-Expression', description: 'Completion in this PowerShell session; add the line to $PROFILE to keep it.' },
  ],
  run: (...a) => import('./run/completion.js').then((m) => m.run(...a)),
};

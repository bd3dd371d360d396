import type { CmdletSpec } from '../src/cli/types.js';

/** As PowerShell's Get-Command: a name pattern, or verb and noun patterns. */
const BY_NAME = 'AllCommandSet';
const BY_VERB_NOUN = 'CmdletSet';

export const cmdlet: CmdletSpec = {
  name: 'Get-Command',
  synopsis: "Lists ctrimg's commands (its cmdlets, and the docker-style verbs as aliases), as PowerShell's Get-Command does; `ctrimg help` does too.",
  params: [
    { name: 'Name', type: 'string[]', positional: true, sets: [BY_NAME], description: 'Command names; case-insensitive wildcards (Get-*).' },
    { name: 'Verb', type: 'string[]', sets: [BY_VERB_NOUN], description: 'Only cmdlets with these verbs (Get, Remove; wildcards).' },
    { name: 'Noun', type: 'string[]', sets: [BY_VERB_NOUN], description: 'Only cmdlets with these nouns (ContainerImage, Container*; wildcards).' },
  ],
  parameterSets: { names: [BY_VERB_NOUN, BY_NAME], default: BY_VERB_NOUN },
  examples: [
    { command: 'ctrimg Get-Command -Verb Get', description: 'Every cmdlet that lists something.' },
    { command: 'ctrimg Get-Command -Noun ContainerImage*', description: 'The cmdlets of images and of their sources.' },
    { command: "ctrimg Get-Command '*Container'", description: 'The commands whose names end in Container.' },
    { command: 'ctrimg Get-Command -OutputFormat Json', description: 'Objects with CommandType, Name, Definition, Version and Source.' },
  ],
  run: (...a) => import('./run/Get-Command.js').then((m) => m.run(...a)),
};

/**
 * What `ctrimg completion <shell>` prints: a script that hands the words typed to
 * `ctrimg __complete` (complete.ts) on every TAB and offers its lines. Kept tiny: the logic is in
 * one place, complete.ts, for every shell.
 */
import { COMPLETE_WORD } from './complete.js';

export const SHELLS = ['bash', 'powershell'] as const;
export type Shell = (typeof SHELLS)[number];

/**
 * bash: COMP_WORDS[1..COMP_CWORD] are the words up to the one being completed ('' after a space).
 * `-o default`: with no candidate (a -Path value), bash completes file names.
 */
const BASH = `# ctrimg completion for bash: source <(ctrimg completion bash), e.g. in ~/.bashrc
_ctrimg() {
  local IFS=$'\\n'
  COMPREPLY=($(ctrimg ${COMPLETE_WORD} "$COMP_CWORD" "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _ctrimg ctrimg
`;

/**
 * PowerShell: the elements of the command line before the cursor, less `ctrimg` itself; the word
 * being completed is the last of them unless it is empty (the cursor after a space).
 */
const POWERSHELL = `# ctrimg completion for PowerShell: ctrimg completion powershell | Out-String | Invoke-Expression, e.g. in $PROFILE
Register-ArgumentCompleter -Native -CommandName ctrimg -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | Select-Object -Skip 1 | Where-Object { $_.Extent.StartOffset -lt $cursorPosition } | ForEach-Object { $_.Extent.Text })
    $position = if ($wordToComplete) { $words.Count } else { $words.Count + 1 }
    ctrimg ${COMPLETE_WORD} $position @words 2>$null | ForEach-Object {
        [System.Management.Automation.CompletionResult]::new($_, $_, $(if ($_ -like '-*') { 'ParameterName' } else { 'ParameterValue' }), $_)
    }
}
`;

export function completionScript(shell: Shell): string {
  return shell === 'bash' ? BASH : POWERSHELL;
}

/**
 * Whether a state-changing cmdlet asks before a change, as PowerShell's ShouldProcess decides:
 * -WhatIf changes nothing; -Confirm asks, -Confirm:$false does not; otherwise a ConfirmImpact
 * 'High' cmdlet asks unless -Force. Asking needs a terminal on stdin and stderr: without one the
 * command refuses (exit 2) rather than wait for an answer that cannot come.
 */
import { usage } from '../errors.js';
import type { ConfirmImpact } from './types.js';

export interface Confirmation {
  /** The cmdlet's ConfirmImpact; undefined for one that changes nothing. */
  impact?: ConfirmImpact;
  whatIf: boolean;
  /** -Confirm (true), -Confirm:$false (false), or neither (undefined). */
  confirm?: boolean;
  /** The cmdlet's -Force switch. */
  force: boolean;
}

export type Decision = 'WhatIf' | 'Ask' | 'Proceed';

/**
 * -WhatIf wins over -Confirm, as in PowerShell; an explicit -Confirm wins over -Force. `impact`,
 * for one question, overrides the cmdlet's: 'High' asks as a High cmdlet would (PowerShell's
 * ShouldContinue on top of ShouldProcess), for the destructive part of a Medium cmdlet.
 */
export function decide(c: Confirmation, impact: ConfirmImpact | undefined = c.impact): Decision {
  if (c.whatIf) return 'WhatIf';
  if (c.confirm !== undefined) return c.confirm ? 'Ask' : 'Proceed';
  return impact === 'High' && !c.force ? 'Ask' : 'Proceed';
}

/** `Performing the operation "Remove" on target "WebApp 1.2.0.0".`, as PowerShell words it. */
export const operation = (action: string, target: string) => `Performing the operation "${action}" on target "${target}".`;

/** The refusal when a confirmation is due and `missing` ('stdin', 'stderr') is not a terminal. */
export function noPrompt(c: Confirmation, action: string, target: string, missing: string) {
  return usage(`the operation "${action}" on target "${target}" needs confirmation, and ${missing} is not a terminal to ask on; nothing was changed`, {
    code: 'CONFIRMATION_REQUIRED',
    hint:
      c.confirm === true && c.impact !== 'High'
        ? 'run it on a terminal to answer, or leave out -Confirm'
        : 'give -Force or -Confirm:$false to go on without asking, or -WhatIf to see what would be done',
  });
}

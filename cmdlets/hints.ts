/**
 * Hints several cmdlets give alike for the operations' error codes (CmdletSpec.hints): where the
 * operation says what to do in domain terms, these say which cmdlet and parameters do it.
 */
import type { Hint } from '../src/cli/types.js';
import { DATABASE_HINT } from '../src/ops/damage.js';

export const REPAIR_AGAIN = `${DATABASE_HINT}, then run Repair-ContainerImageStore again`;

/** Cmdlets that search the registered sources. */
export const sourceHints: Record<string, Hint> = {
  SOURCE_NOT_FOUND: 'Get-ContainerImageSource lists them',
  NO_SOURCES: 'Register one with Register-ContainerImageSource -Name <n> -Location <url>',
};

/** Cmdlets that select installed images. */
export const installedHints: Record<string, Hint> = {
  IMAGE_NOT_FOUND: 'Get-ContainerImage lists them',
};

/** Cmdlets that delete files the database says are unused. */
export const databaseHints: Record<string, Hint> = {
  DATABASE_DAMAGED: REPAIR_AGAIN,
};

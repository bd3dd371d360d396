/**
 * Hints several cmdlets give alike for the operations' error codes (CmdletSpec.hints): where the
 * operation says what to do in domain terms, these say which cmdlet and parameters do it.
 */
import type { Hints } from '../src/cli/types.js';
import type { CtrimgError } from '../src/errors.js';
import { DATABASE_HINT } from '../src/ops/damage.js';

export const REPAIR_AGAIN = `${DATABASE_HINT}, then run Repair-ContainerImageStore again`;

/** Cmdlets that search the registered sources. */
export const sourceHints: Hints = {
  SOURCE_NOT_FOUND: 'Get-ContainerImageSource lists them',
  NO_SOURCES: 'Register one with Register-ContainerImageSource -Name <n> -Location <url>',
};

/** Cmdlets that select installed images. */
export const installedHints: Hints = {
  IMAGE_NOT_FOUND: 'Get-ContainerImage lists them',
};

/** Cmdlets that delete files the database says are unused. */
export const databaseHints: Hints = {
  DATABASE_DAMAGED: REPAIR_AGAIN,
};

/**
 * Hints every cmdlet gives, for codes that any command touching the store, the importers or a
 * registry may meet; a cmdlet's own table overrides them (cmdlets/index.ts merges the two).
 */
export const commonHints: Hints = {
  OUTSIDE_STORE: 'a directory inside the store may be a link to elsewhere; make it a real directory, then run Repair-ContainerImageStore',
  BAD_IDENTITY: 'the database may be damaged; run Repair-ContainerImageStore',
  TREE_CHANGED: 'something is writing in the store; stop it, then run Repair-ContainerImageStore',
  // An error that says which objects the cmdlet takes keeps its own hint.
  PIPED_INVALID: (err) => (err.hint === undefined ? 'pipe the output of a ctrimg cmdlet run with -OutputFormat Json' : undefined),
  LISTING_TOO_LARGE: (err) =>
    err.details.listing === 'catalog'
      ? `search other sources with Find-ContainerImage -Source <name>, or install from ${err.details.subject} by Install-ContainerImage -Reference ${err.details.subject}/<repository>:<tag>, which needs no listing`
      : `install by Install-ContainerImage -Reference ${err.details.subject}:<tag>, which needs no listing`,
};

/** Hints of the cmdlets that take -Importer (cmdlets/index.ts adds them to those only). */
export const importerHints: Hints = {
  INVALID_WINDOWS_LAYER: 'this is not a Windows container layer; choose the image for this platform, or use -Importer dir',
  IMPORTER_MISMATCH: (err) => `use -Importer ${err.details.recorded}, or another store (CTRIMG_ROOT) for '${err.details.forced}'`,
};

/** True when a PARAMETER_SET_CONFLICT names `param` among the parameters that do not go together. */
export const conflicting = (err: CtrimgError, param: string): boolean => (err.details.parameters ?? '').split(',').includes(param);

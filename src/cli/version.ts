/**
 * ctrimg's version, as package.json gives it (a unit test keeps the two equal): a constant, so that
 * `ctrimg Get-Command` reads no file to show it.
 */
export const VERSION = '0.1.0';

/** How images are named in PowerShell-style output. Pure; no I/O. */
import { escapeControls } from './escape.js';

/** `CN=<name>`; '' when there is no publisher; input that already starts with `CN=` is kept. */
export function formatPublisher(name?: string | null): string {
  if (!name) return '';
  return /^CN=/i.test(name) ? name : `CN=${name}`;
}

export interface ParentImageRef {
  Name: string;
  Publisher?: string | null;
  Version: string;
}

/**
 * `ContainerImage (Name = 'NanoServer') [Publisher = 'CN=Microsoft', Version = '10.0.10586.0']`,
 * the way PowerShell shows a ContainerImage object nested in another; '' for a base OS image.
 */
export function formatParentImage(p: ParentImageRef | null | undefined): string {
  if (!p) return '';
  // Names come from registry annotations.
  return escapeControls(`ContainerImage (Name = '${p.Name}') [Publisher = '${formatPublisher(p.Publisher)}', Version = '${p.Version}']`);
}

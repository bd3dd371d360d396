/**
 * How a cmdlet's results are rendered: a PowerShell table, one JSON document, or Graphviz dot
 * source (only where a cmdlet draws a graph: Get-ContainerImage -Graph).
 */
export type OutputFormat = 'Table' | 'Json' | 'Dot';

/** What every cmdlet takes; a cmdlet that takes more says so (CmdletSpec.outputFormats). */
export const DEFAULT_OUTPUT_FORMATS: readonly OutputFormat[] = ['Table', 'Json'];

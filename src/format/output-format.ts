/** How a cmdlet's results are rendered: a PowerShell table, or one JSON document. */
export type OutputFormat = 'Table' | 'Json';

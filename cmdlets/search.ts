import type { CmdletSpec } from '../src/cli/types.js';
import { sourceHints } from './hints.js';

/** docker search over the registered sources' catalogs. */
export const cmdlet: CmdletSpec = {
  name: 'search',
  syntax: 'docker',
  usage: '[OPTIONS] TERM',
  synopsis: "Search the registered sources' catalogs for images (docker search): repositories whose name holds TERM.",
  params: [
    { name: 'Arguments', type: 'string[]', positional: true, description: 'TERM' },
    { name: 'Filter', type: 'string[]', short: 'f', description: 'Filter output based on conditions provided (stars, is-official, is-automated)' },
    { name: 'Format', type: 'string', description: "Pretty-print search using a Go template, or 'json'" },
    { name: 'Limit', type: 'number', description: 'Max number of search results (default 25)' },
    { name: 'NoTrunc', type: 'switch', description: "Don't truncate output" },
  ],
  hints: sourceHints,
  examples: [{ command: 'ctrimg search nano', description: "Repositories whose name holds 'nano', in every registered source." }],
  run: (...a) => import('./run/search.js').then((m) => m.run(...a)),
};

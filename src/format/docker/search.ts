/**
 * `docker search` as docker 20.10's CLI prints it (cli/command/registry/search.go,
 * formatter_search.go): most stars first. Pure.
 */
import type { DockerSearchRow } from '../../ops/docker-images.js';
import { ellipsis } from './tabwriter.js';
import { renderFormat, type DockerView } from './template.js';

export type { DockerSearchRow };

export interface DockerSearchOptions {
  /** `--no-trunc`: whole descriptions. */
  noTrunc?: boolean;
  /** `--format`: a Go template, `table ...`, or `json`. */
  format?: string;
}

const DEFAULT_FORMAT = 'table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}\t{{.IsAutomated}}';

export function renderDockerSearch(rows: readonly DockerSearchRow[], opts: DockerSearchOptions = {}): string {
  const format = !opts.format || opts.format === 'table' ? DEFAULT_FORMAT : opts.format;
  // docker sorts with sort.Slice, which keeps the order of equal counts for up to 12 results.
  const ordered = [...rows].sort((a, b) => b.stars - a.stars);
  return renderFormat(format, searchView(opts), ordered);
}

function searchView(opts: DockerSearchOptions): DockerView<DockerSearchRow> {
  return {
    noun: 'a search result',
    headers: { Name: 'NAME', Description: 'DESCRIPTION', StarCount: 'STARS', IsOfficial: 'OFFICIAL', IsAutomated: 'AUTOMATED' },
    values: (row, marshalled) => {
      const description = row.description.replace(/[\n\r]/g, ' ');
      // docker's search context shows [OK] or nothing, but true/false once {{json .}} has run on it.
      const flag = (v: boolean) => (marshalled ? String(v) : v ? '[OK]' : '');
      return {
        Name: row.name,
        Description: opts.noTrunc ? description : ellipsis(description, 45),
        StarCount: String(row.stars),
        IsOfficial: flag(row.official),
        IsAutomated: flag(row.automated),
      };
    },
  };
}

/**
 * `docker history` as docker 20.10's CLI prints it (cli/command/image/history.go,
 * formatter_history.go). Pure.
 */
import { parseGoTime, type DockerHistoryRow } from '../../ops/docker-images.js';
import { createdAgo, goRfc3339, GO_ZERO_TIME } from './duration.js';
import type { Zone } from './tzif.js';
import { truncateId } from './images.js';
import { ellipsis } from './tabwriter.js';
import { renderFormat, type DockerView } from './template.js';
import { humanSizeWithPrecision } from './units.js';

export type { DockerHistoryRow };

export interface DockerHistoryOptions {
  /** Milliseconds since the epoch: CREATED is counted back from it. */
  now: number;
  /** The zone times are printed in, as Go's time.Local (cli/time-zone.ts); without one, the runtime's zone names are guessed. */
  zone?: Zone;
  /** `-H` (default true); false prints CREATED as RFC 3339 and SIZE in bytes. */
  human?: boolean;
  /** `-q`: image ids only. */
  quiet?: boolean;
  /** `--no-trunc`: full ids and CREATED BY. */
  noTrunc?: boolean;
  /** `--format`: a Go template, `table ...`, or `json`. */
  format?: string;
}

const HUMAN_FORMAT = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
const PLAIN_FORMAT = 'table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';

export function renderDockerHistory(rows: readonly DockerHistoryRow[], opts: DockerHistoryOptions): string {
  const human = opts.human ?? true;
  const given = opts.format || 'table';
  const format = given !== 'table' ? given : opts.quiet ? '{{.ID}}' : human ? HUMAN_FORMAT : PLAIN_FORMAT;
  return renderFormat(format, historyView(opts, human), rows);
}

function historyView(opts: DockerHistoryOptions, human: boolean): DockerView<DockerHistoryRow> {
  return {
    noun: 'a history entry',
    headers: { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' },
    values: (row) => {
      const created = parseGoTime(row.created)?.seconds ?? GO_ZERO_TIME;
      const id = row.id ?? '<missing>';
      // docker turns tabs into spaces, but keeps newlines (shown escaped here).
      const createdBy = row.createdBy.replace(/\t/g, ' ');
      return {
        ID: opts.noTrunc ? id : truncateId(id),
        CreatedSince: human ? createdAgo(opts.now, created) : goRfc3339(created, opts.zone),
        CreatedAt: goRfc3339(created, opts.zone),
        CreatedBy: opts.noTrunc ? createdBy : ellipsis(createdBy, 45),
        Size: human ? humanSizeWithPrecision(row.size, 3) : String(row.size),
        Comment: row.comment,
      };
    },
  };
}

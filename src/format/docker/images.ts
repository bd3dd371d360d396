/**
 * `docker images` as docker 20.10's CLI prints it (cli/command/formatter/image.go,
 * cli/command/image/list.go), with the daemon's order (moby daemon/images/images.go: newest
 * first by creation time in whole seconds). Pure.
 */
import { parseGoTime, type DockerImageRow } from '../../ops/docker-images.js';
import { createdAgo, goTimeString, GO_ZERO_TIME } from './duration.js';
import type { Zone } from './tzif.js';
import { renderFormat, type DockerView } from './template.js';
import { humanSize, humanSizeWithPrecision } from './units.js';

export type { DockerImageRow };

export interface DockerImagesOptions {
  /** Milliseconds since the epoch: CREATED is counted back from it. */
  now: number;
  /** The zone times are printed in, as Go's time.Local (cli/time-zone.ts); without one, the runtime's zone names are guessed. */
  zone?: Zone;
  /** `-q`: image ids only (one per row, so an image with several tags repeats). */
  quiet?: boolean;
  /** `--digests`: a DIGEST column, and a row per digest of a repository the image has no tag in. */
  digests?: boolean;
  /** `--no-trunc`: full `sha256:` ids. */
  noTrunc?: boolean;
  /** `--format`: a Go template, `table ...`, or `json`. */
  format?: string;
}

/** One line of the listing: an image under one repository, tag and digest as shown. */
interface Line {
  image: DockerImageRow;
  /** Unix seconds, rounded down; docker's zero time when the image has none. */
  created: number;
  repository: string;
  tag: string;
  digest: string;
}

// The defaults carry real tabs, as docker's Go constants do.
const DEFAULT_FORMAT = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
const DEFAULT_FORMAT_WITH_DIGEST = 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';

// docker's `raw` format: a block of `key: value` lines per row, each block ending in an empty line.
const RAW_FORMAT = 'repository: {{.Repository}}\ntag: {{.Tag}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n';
const RAW_FORMAT_WITH_DIGEST =
  'repository: {{.Repository}}\ntag: {{.Tag}}\ndigest: {{.Digest}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n';

export function renderDockerImages(rows: readonly DockerImageRow[], opts: DockerImagesOptions): string {
  const given = opts.format || 'table';
  let format = given;
  if (given === 'table') format = opts.quiet ? '{{.ID}}' : opts.digests ? DEFAULT_FORMAT_WITH_DIGEST : DEFAULT_FORMAT;
  else if (given === 'raw') format = opts.quiet ? 'image_id: {{.ID}}' : opts.digests ? RAW_FORMAT_WITH_DIGEST : RAW_FORMAT;
  else if (given.startsWith('table') && opts.digests && !given.includes('{{.Digest}}')) format += '\t{{.Digest}}';
  // docker looks for the placeholder as written, spaces and all.
  const needDigest = Boolean(opts.digests) || given.includes('{{.Digest}}');
  const lines = listLines(rows, needDigest, Boolean(opts.digests));
  // docker's default table says N/A for an image without a creation time ({{if .CreatedSince}}).
  const view = imagesView(opts, given === 'table');
  return renderFormat(format, view, lines);
}

function imagesView(opts: DockerImagesOptions, createdNA: boolean): DockerView<Line> {
  return {
    noun: 'an image',
    headers: {
      ID: 'IMAGE ID',
      Repository: 'REPOSITORY',
      Tag: 'TAG',
      Digest: 'DIGEST',
      CreatedSince: 'CREATED',
      CreatedAt: 'CREATED AT',
      Size: 'SIZE',
      Containers: 'CONTAINERS',
      VirtualSize: 'SIZE',
      SharedSize: 'SHARED SIZE',
      UniqueSize: 'UNIQUE SIZE',
    },
    values: (line) => {
      const since = line.created === GO_ZERO_TIME ? '' : createdAgo(opts.now, line.created);
      return {
        ID: opts.noTrunc ? line.image.id : truncateId(line.image.id),
        Repository: line.repository,
        Tag: line.tag,
        Digest: line.digest,
        CreatedSince: since === '' && createdNA ? 'N/A' : since,
        // The zone's names cost a lookup: only for a format that prints them.
        get CreatedAt() {
          return goTimeString(line.created, opts.zone);
        },
        Size: humanSizeWithPrecision(line.image.size, 3),
        // docker's image list carries no container count or shared size (-1): N/A.
        Containers: 'N/A',
        VirtualSize: humanSize(line.image.size),
        SharedSize: 'N/A',
        UniqueSize: 'N/A',
      };
    },
  };
}

/** docker's stringid.TruncateID: what follows the first ':', cut to 12 characters. */
export function truncateId(id: string): string {
  return id.slice(id.indexOf(':') + 1).slice(0, 12);
}

/**
 * The lines docker prints for the rows' images. Images newest first (ties, which docker leaves
 * in map order, by id). Within an image, as docker's formatter: each repository with tags gives
 * a line per tag (times its digests when digests are shown, else digest `<none>`), then each
 * repository with only digests gives a line per digest with --digests, else one line with an
 * empty digest; an image without references is one `<none>` line. docker takes repositories in
 * map order; here they are sorted, and tags and digests sorted as docker's reference store does.
 */
function listLines(rows: readonly DockerImageRow[], needDigest: boolean, digestRows: boolean): Line[] {
  const images = new Map<string, { image: DockerImageRow; created: number; tags: Map<string, Set<string>>; digests: Map<string, Set<string>> }>();
  for (const row of rows) {
    let entry = images.get(row.id);
    if (!entry) {
      entry = { image: row, created: parseGoTime(row.created)?.seconds ?? GO_ZERO_TIME, tags: new Map(), digests: new Map() };
      images.set(row.id, entry);
    }
    if (row.repository === null) continue;
    if (row.tag !== null) addTo(entry.tags, row.repository, row.tag);
    if (row.digest !== null) addTo(entry.digests, row.repository, row.digest);
  }
  const ordered = [...images.values()].sort((a, b) => b.created - a.created || compare(a.image.id, b.image.id));
  const lines: Line[] = [];
  for (const { image, created, tags, digests } of ordered) {
    const line = (repository: string, tag: string, digest: string) => lines.push({ image, created, repository, tag, digest });
    if (tags.size === 0 && digests.size === 0) {
      line('<none>', '<none>', '<none>');
      continue;
    }
    for (const repo of sorted(tags.keys())) {
      const shown = needDigest ? sorted(digests.get(repo) ?? []) : [];
      digests.delete(repo);
      for (const tag of sorted(tags.get(repo)!)) {
        if (shown.length === 0) line(repo, tag, '<none>');
        for (const d of shown) line(repo, tag, d);
      }
    }
    for (const repo of sorted(digests.keys())) {
      if (digestRows) for (const d of sorted(digests.get(repo)!)) line(repo, '<none>', d);
      else line(repo, '<none>', '');
    }
  }
  return lines;
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key) ?? new Set<string>();
  set.add(value);
  map.set(key, set);
}

/** Byte order of the UTF-8 text, as Go compares strings (names and tags are ASCII). */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sorted = (values: Iterable<string>) => [...values].sort(compare);

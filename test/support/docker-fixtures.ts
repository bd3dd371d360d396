/**
 * The images docker's golden outputs are made from (test/golden/regenerate-docker.ts) and that a
 * ctrimg-side test builds again to compare: every one a function of the fixture clock `now`
 * (ms), so the same `now`, recorded in test/golden/docker/cases.json, gives the same bytes and
 * so the same image ids (config digests) and manifest digests.
 *
 * Between them they exercise every column and flag of `docker images` and `docker history`:
 * - creation times `now` minus an offset that puts each image in its own bucket of docker's
 *   human durations ("N seconds", "About a minute", "N minutes", "About an hour", "N hours",
 *   "N days", "N weeks", "N months", "N years") with room to spare, plus one from 2016 with
 *   nanoseconds; all distinct, so "newest first" has one order;
 * - one image under several tags in one repository and once more in a second repository;
 * - sizes at the unit boundaries of docker's 3 significant digits: 999 B, 1000 B, 999,999 B
 *   (`1e+03kB`), 44.9MB and 0B, with a symlink's target and a hard link in the count;
 * - labels (one value holding `=`), history with empty layers, a tab and a newline in
 *   `created_by`, long and non-ASCII `created_by`, comments, an empty `created_by`;
 * - a parent and its child (the child's layers extend the parent's), for `-a`, and for
 *   history rows that name an image.
 * How each image enters docker (pulled by tag, by digest, loaded untagged, ...) is the
 * regeneration script's part; `arrival` says which, so a reader of the goldens knows.
 *
 * Built with test/support/oci-layout.ts only: nothing from src/ makes the fixtures.
 */
import { tarFromEntries, type ImageSpec, type TarEntry } from './oci-layout.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How an image reaches docker, and so which references it has there. */
export type Arrival =
  /** pulled by each of `tags` */
  | 'pulled'
  /** pushed as `tags[0]` but pulled only by its manifest digest: a digest, no tag */
  | 'pulled-by-digest'
  /** pulled, then the same tag pulled again for `movingNew`: it keeps its digest, loses its tag */
  | 'retagged-away'
  /** pulled, saved by id, removed and loaded back: neither tag nor digest */
  | 'loaded-untagged'
  /** loaded (no digest) as the parent of `child`, with its tag dropped: an intermediate image */
  | 'loaded-parent'
  /** loaded (no digest) with its tag, as the child of `base` */
  | 'loaded-child';

export interface DockerFixture {
  /** What the image is in the goldens for. */
  purpose: string;
  arrival: Arrival;
  /** `repo:tag` it is pushed as, first to last (the first is `spec.repo:spec.tag`). */
  tags: string[];
  spec: ImageSpec;
}

export type FixtureKey =
  | 'sizes999'
  | 'sizes1000'
  | 'child'
  | 'sizes999999'
  | 'app'
  | 'big'
  | 'base'
  | 'movingOld'
  | 'movingNew'
  | 'pinned'
  | 'orphan'
  | 'legacy';

/** The 2016 image's creation time, with nanoseconds docker drops (it counts whole seconds). */
export const LEGACY_CREATED = '2016-06-01T12:34:56.789012345Z';

/** `n` bytes of a repeated text, different for each `seed` (compresses well: the 44.9MB layer stays small on the wire). */
export function filler(n: number, seed: string): Buffer {
  const unit = Buffer.from(`${seed} golden filler\n`);
  const out = Buffer.alloc(n);
  for (let at = 0; at < n; at += unit.length) unit.copy(out, at, 0, Math.min(unit.length, n - at));
  return out;
}

const file = (name: string, content: Buffer | string, mode = 0o644): TarEntry => ({ name, content, mode });
const dir = (name: string): TarEntry => ({ name, type: 'directory' });
const symlink = (name: string, linkname: string): TarEntry => ({ name, type: 'symlink', linkname });
const hardlink = (name: string, linkname: string): TarEntry => ({ name, type: 'link', linkname });

/** A time `ms` before the fixture clock, in whole seconds (docker lists creation times in seconds). */
function before(now: number, ms: number): string {
  return new Date(Math.floor(now / SECOND) * SECOND - ms).toISOString().replace('.000Z', 'Z');
}

interface HistoryEntry {
  created: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** One-layer image with generated history; `extra` merged into the spec. */
async function simple(repo: string, tag: string, created: string, entries: TarEntry[], extra: Partial<ImageSpec> = {}): Promise<ImageSpec> {
  return { repo, tag, created, layers: [{ tar: await tarFromEntries(entries), createdBy: `/bin/sh -c #(nop) ADD file:${repo.replace(/\W/g, '')}-${tag} in / ` }], ...extra };
}

/**
 * The app image: four layers (regular files, a symlink, a hard link, a whiteout and an opaque
 * directory) between empty-layer history entries; three tags in golden/app, one in golden/mirror.
 */
async function app(now: number): Promise<ImageSpec> {
  const created = before(now, 5 * HOUR);
  const at = (ms: number) => before(now, 5 * HOUR + ms);
  const layers = [
    [dir('bin/'), file('bin/app', filler(2048, 'app'), 0o755), symlink('bin/app-link', 'app'), dir('etc/'), file('etc/motd', 'hello from golden\n'), hardlink('etc/motd.hard', 'etc/motd')],
    [dir('data/'), file('data/a.txt', filler(100, 'a')), file('data/b.txt', filler(200, 'b')), dir('opq/'), file('opq/gone.txt', filler(10, 'gone'))],
    [file('ja.txt', '日本語のテキスト\n')],
    [dir('data/'), file('data/.wh.b.txt', ''), file('data/c.txt', filler(300, 'c')), dir('opq/'), file('opq/.wh..wh..opq', ''), file('opq/new.txt', filler(7, 'new'))],
  ];
  const history: HistoryEntry[] = [
    { created: at(50 * HOUR), created_by: '/bin/sh -c #(nop) ADD file:3b1f0c5e9a in / ' },
    { created: at(26 * HOUR), created_by: '/bin/sh -c #(nop)  LABEL golden.role=app golden.tier=web', empty_layer: true },
    { created: at(6 * HOUR), created_by: 'RUN\tprintf ab >/data/a.txt &&\n\techo done', comment: 'a tab and a newline in created_by' },
    { created: at(3 * HOUR), created_by: '/bin/sh -c echo 日本語のテキストはとても長いのでここで切られるはずです > /ja.txt', comment: 'ünïcödé comment ✓' },
    { created: at(90 * MINUTE), created_by: '/bin/sh -c #(nop)  ENV GREETING=grüß gott', comment: 'an empty layer with a comment', empty_layer: true },
    { created: at(MINUTE), created_by: '/bin/sh -c rm /data/b.txt && echo c > /data/c.txt # a created_by well over forty-five characters' },
    { created, created_by: '/bin/sh -c #(nop)  CMD ["/bin/app"]', empty_layer: true },
  ];
  return {
    repo: 'golden/app',
    tag: '1.0',
    created,
    layers: await Promise.all(layers.map(async (l) => ({ tar: await tarFromEntries(l) }))),
    runtimeConfig: {
      Cmd: ['/bin/app'],
      Env: ['PATH=/bin', 'GREETING=grüß gott'],
      Labels: { 'golden.role': 'app', 'golden.tier': 'web', 'golden.url': 'http://127.0.0.1/a=b' },
    },
    configOverrides: { history },
  };
}

const baseLayer = () => tarFromEntries([file('base.txt', filler(123, 'base'))]);

/** The parent: one layer, and an entry with an empty created_by. */
async function base(now: number): Promise<ImageSpec> {
  const created = before(now, 2 * DAY);
  return {
    repo: 'golden/base',
    tag: '1',
    created,
    layers: [{ tar: await baseLayer() }],
    runtimeConfig: { Cmd: ['/base'], Labels: { 'golden.role': 'base' } },
    configOverrides: {
      history: [
        { created, created_by: '/bin/sh -c #(nop) ADD file:base in / ' },
        { created, created_by: '', comment: 'an empty created_by', empty_layer: true },
      ],
    },
  };
}

/** The child: the parent's layer and history, then its own. */
async function child(now: number): Promise<ImageSpec> {
  const created = before(now, 10 * MINUTE);
  const parent = await base(now);
  return {
    repo: 'golden/child',
    tag: '1',
    created,
    layers: [{ tar: await baseLayer() }, { tar: await tarFromEntries([file('child.txt', filler(456, 'child'))]) }],
    runtimeConfig: { Cmd: ['/child'], Labels: { 'golden.role': 'child' } },
    configOverrides: {
      history: [...(parent.configOverrides!.history as HistoryEntry[]), { created, created_by: '/bin/sh -c echo child > /child.txt' }],
    },
  };
}

export async function dockerFixtures(now: number): Promise<Record<FixtureKey, DockerFixture>> {
  return {
    sizes999: {
      purpose: '999B: 990 bytes of file and a symlink whose 9-byte target counts; created 1 s before now (seconds)',
      arrival: 'pulled',
      tags: ['golden/sizes:999b'],
      spec: await simple('golden/sizes', '999b', before(now, SECOND), [file('f990', filler(990, 's')), symlink('link9', '123456789')]),
    },
    sizes1000: {
      purpose: '1kB: two 500-byte files, one with a hard link (counted once); created 60 s before now (About a minute)',
      arrival: 'pulled',
      tags: ['golden/sizes:1000b'],
      spec: await simple('golden/sizes', '1000b', before(now, MINUTE), [file('a500', filler(500, 'a')), hardlink('a500.hard', 'a500'), file('b500', filler(500, 'b'))]),
    },
    child: {
      purpose: "loaded with its tag and base as its parent; history names base's id; created 10 minutes before now",
      arrival: 'loaded-child',
      tags: ['golden/child:1'],
      spec: await child(now),
    },
    sizes999999: {
      purpose: '999,999 bytes (1e+03kB); created 70 minutes before now (About an hour)',
      arrival: 'pulled',
      tags: ['golden/sizes:999999b'],
      spec: await simple('golden/sizes', '999999b', before(now, 70 * MINUTE), [file('f999999', filler(999_999, 'm'))]),
    },
    app: {
      purpose: 'three tags in golden/app and one in golden/mirror; labels; history with empty layers, tab, newline, long and non-ASCII created_by, comments; whiteouts; created 5 hours before now',
      arrival: 'pulled',
      tags: ['golden/app:1.0', 'golden/app:1.1', 'golden/app:latest', 'golden/mirror:stable'],
      spec: await app(now),
    },
    big: {
      purpose: '44,949,999 bytes in two layers (44.9MB); an upper-case tag; created 20 hours before now',
      arrival: 'pulled',
      tags: ['golden/sizes:44.9MB'],
      spec: {
        repo: 'golden/sizes',
        tag: '44.9MB',
        created: before(now, 20 * HOUR),
        layers: [{ tar: await tarFromEntries([file('one.bin', filler(40_000_000, 'one'))]) }, { tar: await tarFromEntries([file('two.bin', filler(4_949_999, 'two'))]) }],
        runtimeConfig: { Labels: { 'golden.tier': 'data' } },
      },
    },
    base: {
      purpose: "child's parent, loaded without a tag: shown by -a only; created 2 days before now",
      arrival: 'loaded-parent',
      tags: ['golden/base:1'],
      spec: await base(now),
    },
    movingOld: {
      purpose: 'golden/moving:latest until movingNew is pulled under the same tag: keeps its digest, loses its tag; created 4 days before now',
      arrival: 'retagged-away',
      tags: ['golden/moving:latest'],
      spec: await simple('golden/moving', 'latest', before(now, 4 * DAY), [file('moving.txt', 'the old one\n')]),
    },
    movingNew: {
      purpose: 'golden/moving:latest, pulled after movingOld; created 3 weeks before now',
      arrival: 'pulled',
      tags: ['golden/moving:latest'],
      spec: await simple('golden/moving', 'latest', before(now, 3 * 7 * DAY + DAY), [file('moving.txt', 'the new one\n')]),
    },
    pinned: {
      purpose: 'pulled only by digest: a digest and no tag; created 100 days before now (3 months)',
      arrival: 'pulled-by-digest',
      tags: ['golden/pinned:v1'],
      spec: await simple('golden/pinned', 'v1', before(now, 100 * DAY), [file('pinned.txt', 'pinned\n')]),
    },
    orphan: {
      purpose: 'loaded from a save by id: no tag, no digest (<none> <none>); only a directory (0B); created 3 years and 10 days before now',
      arrival: 'loaded-untagged',
      tags: ['golden/orphan:1'],
      spec: await simple('golden/orphan', '1', before(now, (3 * 365 + 10) * DAY), [dir('empty/')]),
    },
    legacy: {
      purpose: 'created in 2016 (nanoseconds in the config); a stopped container is created from it for rmi',
      arrival: 'pulled',
      tags: ['golden/legacy:2016'],
      spec: await simple('golden/legacy', '2016', LEGACY_CREATED, [file('legacy.txt', filler(4096, 'legacy'))], {
        runtimeConfig: { Cmd: ['/legacy'], Labels: { 'golden.role': 'legacy' } },
      }),
    },
  };
}

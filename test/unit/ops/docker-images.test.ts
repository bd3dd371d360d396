import assert from 'node:assert/strict';
import { CtrimgError } from '../../../src/errors.js';
import { findReference, historyRows, parseGoTime, pathMatch, selectDockerImages, type DockerImageRow } from '../../../src/ops/docker-images.js';

const id = (c: string) => `sha256:${c.repeat(64)}`;
const digest = (c: string) => `sha256:${c.repeat(64)}`;

function row(c: string, repository: string | null, tag: string | null, created: string | null, more: Partial<DockerImageRow> = {}): DockerImageRow {
  return { id: id(c), repository, tag, digest: null, created, size: 1000, labels: {}, hasChildren: false, ...more };
}

const APP = '127.0.0.1:5000/app';
const ROWS: DockerImageRow[] = [
  row('a', APP, 'v1', '2024-05-01T10:00:00Z', { digest: digest('1'), labels: { maintainer: 'me', tier: 'web' } }),
  row('a', APP, 'latest', '2024-05-01T10:00:00Z', { digest: digest('1'), labels: { maintainer: 'me', tier: 'web' } }),
  row('b', `${APP}/sub`, '1', '2023-01-01T00:00:00Z', { labels: { maintainer: 'you' } }),
  // An untagged image nothing is built on: dangling.
  row('c', null, null, '2016-03-01T00:00:00Z'),
  // An untagged image another image has as parent: an intermediate image.
  row('d', null, null, '2015-01-01T00:00:00Z', { hasChildren: true }),
  // An image known only by digest in busybox.
  row('e', 'busybox', null, '2022-06-01T00:00:00.5Z', { digest: digest('2') }),
  row('f', 'busybox', 'latest', '2022-06-01T00:00:00Z'),
];

const select = (query: Parameters<typeof selectDockerImages>[1]) => selectDockerImages(ROWS, query);
const shown = (rows: DockerImageRow[]) => rows.map((r) => `${r.id.slice(7, 8)} ${r.repository ?? '<none>'}:${r.tag ?? '<none>'}${r.digest ? `@${r.digest.slice(7, 8)}` : ''}`);

function rejects(fn: () => unknown, kind: CtrimgError['kind'], words: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CtrimgError, String(err));
    assert.equal(err.kind, kind);
    assert.match(err.message, words);
    return true;
  });
}

describe('ops/docker-images selectDockerImages (docker 20.10 images)', () => {
  it('lists every reference and the dangling image, and hides an untagged parent unless -a', () => {
    assert.deepEqual(shown(select({})), [`a ${APP}:v1@1`, `a ${APP}:latest@1`, `b ${APP}/sub:1`, 'c <none>:<none>', 'e busybox:<none>@2', 'f busybox:latest']);
    assert.deepEqual(shown(select({ all: true })), [`a ${APP}:v1@1`, `a ${APP}:latest@1`, `b ${APP}/sub:1`, 'c <none>:<none>', 'd <none>:<none>', 'e busybox:<none>@2', 'f busybox:latest']);
  });

  it('dangling=true: images without a tag and without children, a digest-only one included, even with -a', () => {
    assert.deepEqual(shown(select({ filters: ['dangling=true'] })), ['c <none>:<none>', 'e busybox:<none>@2']);
    assert.deepEqual(shown(select({ filters: ['dangling=true'], all: true })), ['c <none>:<none>', 'e busybox:<none>@2']);
    // true wins over any other value given with it, as in docker.
    assert.deepEqual(shown(select({ filters: ['dangling=true', 'dangling=maybe'] })), ['c <none>:<none>', 'e busybox:<none>@2']);
  });

  it('dangling=false: every image with a reference, digest-only ones included', () => {
    assert.deepEqual(shown(select({ filters: ['dangling=false'], all: true })), [`a ${APP}:v1@1`, `a ${APP}:latest@1`, `b ${APP}/sub:1`, 'e busybox:<none>@2', 'f busybox:latest']);
    rejects(() => select({ filters: ['dangling=1'] }), 'usage', /invalid filter 'dangling=1'/);
  });

  it('label=key and label=key=value, all of them required; an image without labels matches none', () => {
    assert.deepEqual(shown(select({ filters: ['label=maintainer'] })), [`a ${APP}:v1@1`, `a ${APP}:latest@1`, `b ${APP}/sub:1`]);
    assert.deepEqual(shown(select({ filters: ['label=maintainer=me'] })), [`a ${APP}:v1@1`, `a ${APP}:latest@1`]);
    assert.deepEqual(shown(select({ filters: ['label=maintainer=you', 'label=tier'] })), []);
    assert.deepEqual(shown(select({ filters: ['label=tier=web', 'label=maintainer'] })), [`a ${APP}:v1@1`, `a ${APP}:latest@1`]);
  });

  it('before= and since= compare creation times strictly, with the image named by reference or id', () => {
    // busybox means busybox:latest, f, made in 2022.
    assert.deepEqual(shown(select({ filters: ['before=busybox'] })), ['c <none>:<none>']);
    assert.deepEqual(shown(select({ filters: [`since=${APP}:v1`] })), []);
    // busybox@digest names e, half a second after f: since keeps nothing older, f included out.
    assert.deepEqual(shown(select({ filters: [`since=busybox@${digest('2')}`] })), [`a ${APP}:v1@1`, `a ${APP}:latest@1`, `b ${APP}/sub:1`]);
    assert.deepEqual(shown(select({ filters: ['since=docker.io/library/busybox:latest'] })), [`a ${APP}:v1@1`, `a ${APP}:latest@1`, `b ${APP}/sub:1`, 'e busybox:<none>@2']);
    assert.deepEqual(shown(select({ filters: ['before=cccc', 'since=d'] })), []);
    assert.deepEqual(shown(select({ filters: ['before=ccc', `since=${'d'.repeat(64)}`] })), []);
    assert.deepEqual(shown(select({ filters: [`before=${id('b')}`, 'since=cc'] })), ['e busybox:<none>@2', 'f busybox:latest']);
    assert.deepEqual(shown(select({ filters: [`before=${id('a')}`, 'since=cc'] })), [`b ${APP}/sub:1`, 'e busybox:<none>@2', 'f busybox:latest']);
  });

  it('before= and since= refuse an image that is not there, an ambiguous id prefix and a malformed reference', () => {
    rejects(() => select({ filters: ['before=nosuch:1'] }), 'notFound', /^No such image: nosuch:1$/);
    rejects(() => select({ filters: [`since=${'9'.repeat(64)}`] }), 'notFound', /No such image/);
    const twins = [
      row('a', null, null, '2020-01-01T00:00:00Z', { id: `sha256:ab${'0'.repeat(62)}` }),
      row('a', null, null, '2021-01-01T00:00:00Z', { id: `sha256:ab${'1'.repeat(62)}` }),
    ];
    rejects(() => selectDockerImages(twins, { filters: ['before=ab'] }), 'notFound', /No such image: ab/);
    assert.equal(selectDockerImages(twins, { filters: ['before=ab1'] }).length, 1);
    rejects(() => select({ filters: ['before=UPPER'] }), 'usage', /neither an image id nor a valid image reference/);
  });

  it('reference= globs: * and ? do not cross /, matched against repo:tag and the repository', () => {
    assert.deepEqual(shown(select({ filters: [`reference=${APP}`] })), [`a ${APP}:v1@1`, `a ${APP}:latest@1`]);
    assert.deepEqual(shown(select({ filters: ['reference=127.0.0.1:5000/*'] })), [`a ${APP}:v1@1`, `a ${APP}:latest@1`]);
    assert.deepEqual(shown(select({ filters: ['reference=127.0.0.1:5000/*/*'] })), [`b ${APP}/sub:1`]);
    assert.deepEqual(shown(select({ filters: ['reference=*:latest'] })), ['f busybox:latest']);
    assert.deepEqual(shown(select({ filters: ['reference=busybox:*'] })), ['f busybox:latest']);
    assert.deepEqual(shown(select({ filters: ['reference=busy?ox'] })), ['e busybox:<none>@2', 'f busybox:latest']);
  });

  it('keeps only the references that match: a tag without its digest, a digest without its tag', () => {
    assert.deepEqual(shown(select({ filters: [`reference=${APP}:v1`] })), [`a ${APP}:v1`]);
    assert.deepEqual(shown(select({ filters: [`reference=${APP}@${digest('1')}`] })), [`a ${APP}:<none>@1`, `a ${APP}:<none>@1`]);
  });

  it('ORs several reference filters and the REPOSITORY[:TAG] argument, and drops untagged images', () => {
    assert.deepEqual(shown(select({ filters: ['reference=busybox'], reference: `${APP}:latest` })), [`a ${APP}:latest`, 'e busybox:<none>@2', 'f busybox:latest']);
    assert.deepEqual(shown(select({ reference: 'busybox:latest', all: true })), ['f busybox:latest']);
    // docker matches the argument as written: the long form of a familiar name matches nothing.
    assert.deepEqual(shown(select({ reference: 'docker.io/library/busybox' })), []);
    rejects(() => select({ filters: ['reference=['] }), 'usage', /invalid reference filter '\[': syntax error in pattern/);
  });

  it('parses --filter as docker does: key=value, key lower-cased, both trimmed; unknown keys refused', () => {
    assert.deepEqual(shown(select({ filters: [' Dangling = true ', ''] })), ['c <none>:<none>', 'e busybox:<none>@2']);
    rejects(() => select({ filters: ['dangling'] }), 'usage', /bad format of filter 'dangling' \(expected name=value\)/);
    rejects(() => select({ filters: ['until=1h'] }), 'usage', /invalid filter 'until'/);
  });
});

describe("ops/docker-images pathMatch (Go's path.Match)", () => {
  it('matches * and ? within one path segment, classes, ranges, negation and escapes', () => {
    const yes: [string, string][] = [
      ['a*', 'abc'],
      ['a*/b', 'abc/b'],
      ['*', ''],
      ['a?c', 'abc'],
      ['[a-c]x', 'bx'],
      ['[^a-c]x', 'dx'],
      // A negated class is not a '/'-excluding wildcard: it matches '/'.
      ['a[^x]b', 'a/b'],
      ['\\*', '*'],
      ['[\\]]', ']'],
      ['日?', '日本'],
      ['', ''],
    ];
    for (const [p, n] of yes) assert.equal(pathMatch(p, n), true, `${p} ~ ${n}`);
    const no: [string, string][] = [
      ['a*', 'ab/c'],
      ['a?c', 'a/c'],
      ['*', 'a/b'],
      ['[a-c]x', 'dx'],
      ['[z-a]', 'm'],
      ['ab', 'abc'],
    ];
    for (const [p, n] of no) assert.equal(pathMatch(p, n), false, `${p} !~ ${n}`);
  });

  it('refuses a malformed pattern whatever the name', () => {
    for (const p of ['[', '[]', '[^]', '[a-]', '[-a]', 'a\\', '[a', 'x*[', '[\\']) {
      rejects(() => pathMatch(p, 'zzz'), 'usage', /syntax error in pattern/);
    }
  });
});

describe('ops/docker-images parseGoTime (Go time.Parse RFC 3339)', () => {
  it('reads seconds since the epoch and nanoseconds, with an offset', () => {
    assert.deepEqual(parseGoTime('2016-03-01T00:00:00Z'), { seconds: 1456790400, nanos: 0 });
    assert.deepEqual(parseGoTime('2016-03-01T01:30:00+01:30'), { seconds: 1456790400, nanos: 0 });
    assert.deepEqual(parseGoTime('2016-03-01T00:00:00.123456789987Z'), { seconds: 1456790400, nanos: 123456789 });
    assert.deepEqual(parseGoTime('0001-01-01T00:00:00Z'), { seconds: -62135596800, nanos: 0 });
  });

  it('has nothing for a missing or invalid time', () => {
    for (const t of [null, undefined, '', '2016-02-30T00:00:00Z', '2015-02-29T00:00:00Z', '2016-03-01 00:00:00Z', '2016-03-01T24:00:00Z', '2016-03-01T00:00:00']) {
      assert.equal(parseGoTime(t), null, String(t));
    }
    assert.notEqual(parseGoTime('2016-02-29T00:00:00Z'), null);
  });
});

describe('ops/docker-images historyRows (moby image_history.go)', () => {
  const config = {
    history: [
      { created: '2024-01-01T00:00:00Z', createdBy: '/bin/sh -c #(nop) ADD file:1 in / ' },
      { created: '2024-01-01T00:00:01Z', createdBy: '/bin/sh -c #(nop)  ENV A=1', emptyLayer: true },
      { created: '2024-01-02T00:00:00Z', createdBy: 'RUN make', comment: 'buildkit.dockerfile.v0' },
      { created: '2024-01-02T00:00:01Z', createdBy: '/bin/sh -c #(nop)  CMD ["sh"]', emptyLayer: true },
    ],
  };

  it('lists the entries newest first, sizes taken in order by the layer-making ones, the image id on top', () => {
    assert.deepEqual(historyRows(config, [100, 200], id('a')), [
      { id: id('a'), created: '2024-01-02T00:00:01Z', createdBy: '/bin/sh -c #(nop)  CMD ["sh"]', size: 0, comment: '' },
      { id: null, created: '2024-01-02T00:00:00Z', createdBy: 'RUN make', size: 200, comment: 'buildkit.dockerfile.v0' },
      { id: null, created: '2024-01-01T00:00:01Z', createdBy: '/bin/sh -c #(nop)  ENV A=1', size: 0, comment: '' },
      { id: null, created: '2024-01-01T00:00:00Z', createdBy: '/bin/sh -c #(nop) ADD file:1 in / ', size: 100, comment: '' },
    ]);
  });

  it('has no rows for a config without history, as docker', () => {
    assert.deepEqual(historyRows({}, [100], id('a')), []);
  });

  it('refuses a history that makes more layers than the image has', () => {
    rejects(() => historyRows(config, [100], id('a')), 'failed', /more layers than the image has \(1\)/);
  });
});

describe('ops/docker-images: findReference', () => {
  const rows = [row('a', 'busybox', '1', null), row('a', 'busybox', 'latest', null, { digest: digest('9') }), row('b', 'u/tool', '2', null)];
  it('finds the row a reference names in any of docker\'s spellings, and none for an id or a missing tag', () => {
    assert.equal(findReference('docker.io/library/busybox:1', rows), rows[0]);
    assert.equal(findReference('busybox', rows), rows[1], 'no tag is latest');
    assert.equal(findReference(`index.docker.io/library/busybox@${digest('9')}`, rows), rows[1]);
    assert.equal(findReference('docker.io/u/tool:2', rows), rows[2]);
    assert.equal(findReference('busybox:3', rows), undefined);
    assert.equal(findReference(id('a').slice(7), rows), undefined, 'an id is not a reference');
  });
});

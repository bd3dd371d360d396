import assert from 'node:assert/strict';
import { renderDockerImages, type DockerImageRow } from '../../../../src/format/docker/images.js';
import { keepTimeZone } from '../../../support/time-zone.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const id = (c: string) => `sha256:${c.repeat(64)}`;
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const D3 = `sha256:${'3'.repeat(64)}`;
const APP = '127.0.0.1:5000/app';

function row(c: string, repository: string | null, tag: string | null, digest: string | null, created: string | null, size: number): DockerImageRow {
  return { id: id(c), repository, tag, digest, created, size, labels: {}, hasChildren: false };
}

// Given in no particular order: the view puts the newest image first.
const ROWS: DockerImageRow[] = [
  row('c', 'busybox', null, D2, null, 1000),
  row('b', null, null, null, '2016-03-01T00:00:00Z', 999_999),
  row('a', APP, 'v1', D1, '2024-05-01T11:00:00Z', 44_912_345),
  row('d', 'busybox', 'latest', null, '2024-04-17T12:00:00Z', 4_400_000),
  row('a', APP, 'latest', D1, '2024-05-01T11:00:00Z', 44_912_345),
];

const render = (opts: Partial<Parameters<typeof renderDockerImages>[1]> = {}, rows = ROWS) => renderDockerImages(rows, { now: NOW, ...opts });

describe('format/docker/images (docker images)', () => {
  keepTimeZone({ zone: 'UTC' });

  it('prints the classic table: newest first, tags sorted, <none>, 12-hex ids, human CREATED and SIZE, N/A without a date', () => {
    assert.equal(
      render(),
      [
        'REPOSITORY           TAG       IMAGE ID       CREATED             SIZE',
        '127.0.0.1:5000/app   latest    aaaaaaaaaaaa   About an hour ago   44.9MB',
        '127.0.0.1:5000/app   v1        aaaaaaaaaaaa   About an hour ago   44.9MB',
        'busybox              latest    dddddddddddd   2 weeks ago         4.4MB',
        '<none>               <none>    bbbbbbbbbbbb   8 years ago         1e+03kB',
        'busybox              <none>    cccccccccccc   N/A                 1kB',
        '',
      ].join('\n'),
    );
  });

  it('prints the header alone when there are no images', () => {
    assert.equal(render({}, []), 'REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n');
  });

  it('--digests adds DIGEST after TAG, and a row per digest of a repository without tags', () => {
    const pad = (s: string) => s + ' '.repeat(74 - s.length);
    const lines = render({ digests: true }).split('\n');
    assert.equal(lines[0], `REPOSITORY           TAG       ${pad('DIGEST')}IMAGE ID       CREATED             SIZE`);
    assert.equal(lines[1], `127.0.0.1:5000/app   latest    ${pad(D1)}aaaaaaaaaaaa   About an hour ago   44.9MB`);
    assert.equal(lines[3], `busybox              latest    ${pad('<none>')}dddddddddddd   2 weeks ago         4.4MB`);
    assert.equal(lines[5], `busybox              <none>    ${pad(D2)}cccccccccccc   N/A                 1kB`);
  });

  it('shows a row per tag and digest when one repository has several digests', () => {
    const rows = [row('a', APP, 'v1', D1, '2024-05-01T11:00:00Z', 1), row('a', APP, null, D3, '2024-05-01T11:00:00Z', 1)];
    assert.equal(render({ format: '{{.Tag}} {{.Digest}}' }, rows), `v1 ${D1}\nv1 ${D3}\n`);
    // Without the digests asked for, the tag once.
    assert.equal(render({ format: '{{.Tag}}' }, rows), 'v1\n');
  });

  it('shows digests wherever the format names {{.Digest}}, but a digest-only repository’s digest only with --digests', () => {
    assert.equal(render({ format: '{{.Repository}}:{{.Tag}} [{{.Digest}}]' }).split('\n')[0], `${APP}:latest [${D1}]`);
    assert.equal(render({ format: '{{.Repository}}:{{.Tag}} [{{.Digest}}]' }).split('\n')[4], 'busybox:<none> []');
    // Written with spaces, the placeholder is not seen, as in docker: tagged rows say <none>.
    assert.equal(render({ format: '{{ .Digest }}' }).split('\n')[0], '<none>');
  });

  it('-q prints the ids only, once per row; a --format wins over -q', () => {
    assert.equal(render({ quiet: true }), ['aaaaaaaaaaaa', 'aaaaaaaaaaaa', 'dddddddddddd', 'bbbbbbbbbbbb', 'cccccccccccc', ''].join('\n'));
    assert.equal(render({ quiet: true, format: '{{.Tag}}' }).split('\n')[0], 'latest');
    assert.equal(render({ quiet: true, noTrunc: true }).split('\n')[0], id('a'));
  });

  it('--no-trunc prints the full sha256: id', () => {
    assert.match(render({ noTrunc: true }).split('\n')[1]!, new RegExp(`^127\\.0\\.0\\.1:5000/app   latest    ${id('a')}   About an hour ago   44\\.9MB$`));
  });

  it('appends the digest to a custom table with --digests, unless the format has it', () => {
    assert.equal(render({ format: 'table {{.ID}}', digests: true }).split('\n').slice(0, 2).join('\n'), `IMAGE ID       DIGEST\naaaaaaaaaaaa   ${D1}`);
    assert.equal(render({ format: 'table {{.Digest}}', digests: true }).split('\n')[0], 'DIGEST');
  });

  it('prints {{json .}} and --format json with docker’s keys and values', () => {
    const lines = render({ format: 'json' }).split('\n');
    assert.equal(
      lines[0],
      '{"Containers":"N/A","CreatedAt":"2024-05-01 11:00:00 +0000 UTC","CreatedSince":"About an hour ago","Digest":"\\u003cnone\\u003e","ID":"aaaaaaaaaaaa",' +
        '"Repository":"127.0.0.1:5000/app","SharedSize":"N/A","Size":"44.9MB","Tag":"latest","UniqueSize":"N/A","VirtualSize":"44.91MB"}',
    );
    assert.equal(lines[4], render({ format: '{{json .}}' }).split('\n')[4]);
    const noDate = JSON.parse(lines[4]!) as Record<string, string>;
    assert.deepEqual([noDate.CreatedSince, noDate.CreatedAt, noDate.Digest, noDate.Tag], ['', '0001-01-01 00:00:00 +0000 UTC', '', '<none>']);
  });

  it('prints CreatedAt in the local zone', () => {
    process.env.TZ = 'America/New_York';
    try {
      assert.equal(render({ format: '{{.CreatedAt}}' }).split('\n')[0], '2024-05-01 07:00:00 -0400 EDT');
    } finally {
      process.env.TZ = 'UTC';
    }
  });

  it('prints CreatedAt in the zone given, not the runtime\'s', () => {
    const zone = () => ({ offset: 19800, abbreviation: 'IST' });
    assert.equal(render({ format: '{{.CreatedAt}}', zone }).split('\n')[0], '2024-05-01 16:30:00 +0530 IST');
    assert.equal(render({ format: 'raw', zone }).split('\n')[3], 'created_at: 2024-05-01 16:30:00 +0530 IST');
  });

  it('orders images by creation time in whole seconds, equal times by id', () => {
    const rows = [row('f', 'x', '1', null, '2024-01-01T00:00:00.9Z', 1), row('e', 'x', '2', null, '2024-01-01T00:00:00.1Z', 1), row('g', 'x', '3', null, '2024-01-01T00:00:01Z', 1)];
    assert.equal(render({ format: '{{.Tag}}' }, rows), '3\n2\n1\n');
  });
});

import assert from 'node:assert/strict';
import { renderDockerHistory, type DockerHistoryRow } from '../../../../src/format/docker/history.js';
import { keepTimeZone } from '../../../support/time-zone.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const ID = `sha256:${'a'.repeat(64)}`;
const LONG = '/bin/sh -c apt-get update && apt-get install -y curl ca-certificates';

const ROWS: DockerHistoryRow[] = [
  { id: ID, created: '2024-05-01T11:00:00Z', createdBy: '/bin/sh -c #(nop)\tCMD ["sh"]', size: 0, comment: '' },
  { id: null, created: '2024-04-01T00:00:00Z', createdBy: LONG, size: 4_400_000, comment: 'buildkit.dockerfile.v0' },
];

const render = (opts: Partial<Parameters<typeof renderDockerHistory>[1]> = {}, rows = ROWS) => renderDockerHistory(rows, { now: NOW, ...opts });

describe('format/docker/history (docker history)', () => {
  keepTimeZone({ zone: 'UTC' });

  it('prints IMAGE CREATED CREATED BY SIZE COMMENT, <missing> for entries without an image, CREATED BY cut at 45 with tabs as spaces', () => {
    assert.equal(
      render(),
      [
        'IMAGE          CREATED             CREATED BY                                      SIZE      COMMENT',
        'aaaaaaaaaaaa   About an hour ago   /bin/sh -c #(nop) CMD ["sh"]                    0B        ',
        '<missing>      4 weeks ago         /bin/sh -c apt-get update && apt-get install…   4.4MB     buildkit.dockerfile.v0',
        '',
      ].join('\n'),
    );
  });

  it('-H=false prints CREATED AT in RFC 3339 and SIZE in bytes; .CreatedSince then says the same', () => {
    const lines = render({ human: false }).split('\n');
    assert.equal(lines[0], 'IMAGE          CREATED AT             CREATED BY                                      SIZE      COMMENT');
    assert.equal(lines[2], '<missing>      2024-04-01T00:00:00Z   /bin/sh -c apt-get update && apt-get install…   4400000   buildkit.dockerfile.v0');
    assert.equal(render({ human: false, format: '{{.CreatedSince}}' }), '2024-05-01T11:00:00Z\n2024-04-01T00:00:00Z\n');
  });

  it('prints CREATED AT in the zone given, not the runtime\'s', () => {
    const zone = () => ({ offset: 19800, abbreviation: 'IST' });
    assert.equal(render({ human: false, format: '{{.CreatedSince}}|{{.CreatedAt}}', zone }).split('\n')[0], '2024-05-01T16:30:00+05:30|2024-05-01T16:30:00+05:30');
  });

  it('--no-trunc prints the full id and CREATED BY', () => {
    const lines = render({ noTrunc: true }).split('\n');
    assert.ok(lines[1]!.startsWith(`${ID}   About an hour ago   `));
    assert.ok(lines[2]!.includes(` ${LONG}   4.4MB `));
  });

  it('-q prints the ids only; --format wins over it', () => {
    assert.equal(render({ quiet: true }), 'aaaaaaaaaaaa\n<missing>\n');
    assert.equal(render({ quiet: true, noTrunc: true }), `${ID}\n<missing>\n`);
    assert.equal(render({ quiet: true, format: '{{.Size}}' }), '0B\n4.4MB\n');
  });

  it('prints {{json .}} with docker’s keys, as truncated as the table', () => {
    assert.equal(
      render({ format: '{{json .}}' }).split('\n')[1],
      '{"Comment":"buildkit.dockerfile.v0","CreatedAt":"2024-04-01T00:00:00Z","CreatedBy":"/bin/sh -c apt-get update \\u0026\\u0026 apt-get install…",' +
        '"CreatedSince":"4 weeks ago","ID":"\\u003cmissing\\u003e","Size":"4.4MB"}',
    );
  });

  it('gives an entry without a date the zero time, 292 years ago as docker says', () => {
    const rows = [{ id: null, created: null, createdBy: '', size: 0, comment: '' }];
    assert.equal(render({ format: '{{.CreatedSince}}|{{.CreatedAt}}' }, rows), '292 years ago|0001-01-01T00:00:00Z\n');
  });

  it('shows a newline in CREATED BY escaped: it cannot start a table line', () => {
    const rows = [{ id: null, created: '2024-05-01T11:00:00Z', createdBy: 'RUN <<EOF\necho hi\nEOF', size: 0, comment: '' }];
    assert.equal(render({}, rows).split('\n')[1], '<missing>   About an hour ago   RUN <<EOF\\necho hi\\nEOF   0B        ');
  });
});

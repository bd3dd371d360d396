import assert from 'node:assert/strict';
import { renderDockerSearch, type DockerSearchRow } from '../../../../src/format/docker/search.js';

const DESCRIPTION = 'A minimal image with a shell and the most common utilities of all';
const ROWS: DockerSearchRow[] = [
  { name: 'tools', description: 'short', stars: 3, official: false, automated: true },
  { name: 'busybox', description: DESCRIPTION, stars: 10, official: true, automated: false },
  { name: 'toolbox', description: 'two\r\nlines', stars: 3, official: false, automated: false },
];

describe('format/docker/search (docker search)', () => {
  it('prints NAME DESCRIPTION STARS OFFICIAL AUTOMATED, most stars first, [OK] marks, descriptions cut at 45', () => {
    assert.equal(
      renderDockerSearch(ROWS),
      [
        'NAME      DESCRIPTION                                     STARS     OFFICIAL   AUTOMATED',
        'busybox   A minimal image with a shell and the most co…   10        [OK]       ',
        'tools     short                                           3                    [OK]',
        'toolbox   two  lines                                      3                    ',
        '',
      ].join('\n'),
    );
  });

  it('--no-trunc prints whole descriptions, line breaks still folded to spaces', () => {
    const lines = renderDockerSearch(ROWS, { noTrunc: true }).split('\n');
    assert.ok(lines[1]!.startsWith(`busybox   ${DESCRIPTION}   10 `));
    assert.ok(lines[3]!.startsWith('toolbox   two  lines '));
  });

  it('prints {{json .}} with the counts and flags as strings, true and false', () => {
    assert.equal(
      renderDockerSearch(ROWS, { format: 'json' }).split('\n')[0],
      `{"Description":"A minimal image with a shell and the most co…","IsAutomated":"false","IsOfficial":"true","Name":"busybox","StarCount":"10"}`,
    );
  });

  it('says true/false instead of [OK] once json . ran in the row, as docker does', () => {
    assert.equal(renderDockerSearch([ROWS[1]!], { format: '{{.IsOfficial}}|{{json .}}|{{.IsOfficial}}' }).replace(/\{.*\}/, '{}'), '[OK]|{}|true\n');
  });

  it('takes a table format of its own', () => {
    assert.equal(renderDockerSearch(ROWS, { format: 'table {{.Name}}\\t{{.StarCount}}' }), 'NAME      STARS\nbusybox   10\ntools     3\ntoolbox   3\n');
  });
});

import assert from 'node:assert/strict';
import { escapeControls } from '../../../src/format/escape.js';
import { renderJson } from '../../../src/format/json.js';
import { renderObjectTable } from '../../../src/format/table.js';

/** What a registry can put in an annotation: clear screen, retitle the window, a fake row, reordered text. */
const HOSTILE = {
  Name: 'Evil\x1b[2J',
  Version: '1.0.0.0',
  Description: 'ok\nFake 9.9.9 local Injected\x1b]0;pwned\x07 \u202eexe.txt\u2066\x7f\x9b31m',
};
/** Raw controls a terminal acts on; '\n' is the table's own line break, checked by counting lines. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

describe('format/escape', () => {
  it('shows C0, DEL, C1 and bidi controls as escapes and leaves other text alone', () => {
    assert.equal(escapeControls('a\x1b[2Jb'), 'a\\x1b[2Jb');
    assert.equal(escapeControls('t\x1b]0;title\x07'), 't\\x1b]0;title\\x07');
    assert.equal(escapeControls('row\nfake\r\tx'), 'row\\nfake\\r\\tx');
    assert.equal(escapeControls('\x7f\x9b\u202e\u2069'), '\\x7f\\x9b\\u202e\\u2069');
    assert.equal(escapeControls('Nano Server — 10.0 ü C:\\x'), 'Nano Server — 10.0 ü C:\\x');
  });

  it('a table of registry text has no raw control character and no extra row', () => {
    const text = renderObjectTable([HOSTILE], ['Name', 'Version', 'Description']);
    assert.doesNotMatch(text, RAW_CONTROL);
    // blank, header, dashes, one row, blank, blank
    assert.equal(text.split('\n').length, 6, text);
    assert.match(text, /Evil\\x1b\[2J 1\.0\.0\.0 ok\\nFake 9\.9\.9 local Injected\\x1b\]0;pwned\\x07 \\u202eexe/);
  });

  it('a nested ParentImage name is escaped too', () => {
    const text = renderObjectTable([{ Name: 'Child', ParentImage: { Name: 'Base\x1b[2J', Version: '1.0.0.0' } }], ['Name', 'ParentImage']);
    assert.doesNotMatch(text, RAW_CONTROL);
    assert.match(text, /Name = 'Base\\x1b\[2J'/);
  });

  it('JSON keeps the exact value, with every control character \\u-escaped', () => {
    const text = renderJson([HOSTILE]);
    assert.doesNotMatch(text, RAW_CONTROL);
    assert.deepEqual(JSON.parse(text), [HOSTILE]);
    assert.match(text, /\\u009b31m/);
  });
});

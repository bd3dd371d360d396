import assert from 'node:assert/strict';
import { CtrimgError } from '../../../../src/errors.js';
import { renderFormat, type DockerView } from '../../../../src/format/docker/template.js';

interface Row {
  Name: string;
  Tag: string;
}

/** A view like docker's: two placeholders, and a third that changes once `json .` ran (as search's booleans do). */
const view: DockerView<Row> = {
  noun: 'a row',
  headers: { Name: 'NAME', Tag: 'TAG', Flag: 'FLAG' },
  values: (r, marshalled) => ({ Name: r.Name, Tag: r.Tag, Flag: marshalled ? 'true' : '[OK]' }),
};

const rows: Row[] = [
  { Name: 'busybox', Tag: '1.36.1' },
  { Name: '127.0.0.1:5000/a&b<c>', Tag: '日本語-tag' },
];

const render = (format: string, r: Row[] = rows) => renderFormat(format, view, r);

function rejects(format: string, words: RegExp): void {
  assert.throws(
    () => render(format),
    (err: unknown) => {
      assert.ok(err instanceof CtrimgError, String(err));
      assert.equal(err.kind, 'usage');
      assert.equal(err.exitCode, 2);
      assert.ok(!err.message.includes('\n'), 'one line');
      assert.match(err.message, words);
      return true;
    },
    format,
  );
}

describe('format/docker/template (docker --format)', () => {
  it('prints literal text and placeholders, one line per row', () => {
    assert.equal(render('{{.Name}}:{{.Tag}}'), 'busybox:1.36.1\n127.0.0.1:5000/a&b<c>:日本語-tag\n');
    assert.equal(render('{{ .Name }}'), 'busybox\n127.0.0.1:5000/a&b<c>\n');
    assert.equal(render('{{.Name}}', []), '');
  });

  it('replaces the two-character sequences \\t and \\n, and trims spaces around the format', () => {
    assert.equal(render('  {{.Name}}\\t{{.Tag}}\\n '), 'busybox\t1.36.1\n\n127.0.0.1:5000/a&b<c>\t日本語-tag\n\n');
  });

  it('lays a table out with a header of the column names', () => {
    assert.equal(
      render('table {{.Name}}\\t{{.Tag}}'),
      ['NAME                    TAG', 'busybox                 1.36.1', '127.0.0.1:5000/a&b<c>   日本語-tag', ''].join('\n'),
    );
    // With no rows, the header alone.
    assert.equal(render('table {{.Name}}\\t{{.Tag}}', []), 'NAME      TAG\n');
    // Anything after the word table is the template.
    assert.equal(render('tablex{{.Tag}}', [rows[0]!]), 'xTAG\nx1.36.1\n');
  });

  it("runs the header through docker's header functions: names stay as they are, pad pads", () => {
    assert.equal(render('table {{upper .Name}}|{{lower .Tag}}', [rows[0]!]), 'NAME|TAG\nBUSYBOX|1.36.1\n');
    assert.equal(render('table {{json .Name}}|{{truncate .Name 2}}|{{title .Tag}}', [rows[0]!]), 'NAME|NAME|TAG\n"busybox"|bu|1.36.1\n');
    assert.equal(render('table {{join (split .Tag ".") "-"}}', [rows[0]!]), 'TAG\n1-36-1\n');
    assert.equal(render('table {{pad .Name 1 2}}|', [rows[0]!]), ' NAME  |\n busybox  |\n');
  });

  it('stops the header where docker’s header json fails (a whole row or a number), keeping what came before', () => {
    assert.equal(render('table a{{json .}}b', [rows[0]!]).split('\n')[0], 'a');
    assert.equal(render('table {{json 3}}x', [rows[0]!]), '\n3x\n');
  });

  it('prints {{json .}} as docker marshals a row: keys sorted, < > & escaped; json of a value does not escape them', () => {
    assert.equal(render('{{json .}}', [rows[1]!]), '{"Flag":"true","Name":"127.0.0.1:5000/a\\u0026b\\u003cc\\u003e","Tag":"日本語-tag"}\n');
    assert.equal(render('{{json .Name}}', [rows[1]!]), '"127.0.0.1:5000/a&b<c>"\n');
    assert.equal(render('json', [rows[1]!]), render('{{json .}}', [rows[1]!]));
    assert.equal(render('{{json (split .Tag "-")}}', [rows[1]!]), '["日本語","tag"]\n');
    assert.equal(render('{{json 3}}', [rows[0]!]), '3\n');
  });

  it('encodes JSON strings as Go does: \\n \\r \\t by name, other controls and U+2028 as \\u', () => {
    assert.equal(render('{{json .Name}}', [{ Name: 'a"\\\n\t\b\u2028', Tag: '' }]), '"a\\"\\\\\\n\\t\\u0008\\u2028"\n');
  });

  it("lets a row's values change once json . has run on it, as docker's search context does", () => {
    assert.equal(render('{{.Flag}} {{json .Flag}} {{json .}} {{.Flag}}', [rows[0]!]), '[OK] "[OK]" {"Flag":"true","Name":"busybox","Tag":"1.36.1"} true\n');
  });

  it('has upper, lower and title map characters as Go does, one for one', () => {
    assert.equal(render('{{upper .Name}}|{{lower .Tag}}', [{ Name: 'straße ǆ', Tag: 'İSTANBUL' }]), 'STRAßE Ǆ|istanbul\n');
    assert.equal(render('{{title .Name}}', [{ Name: 'hello wORLD foo_bar a.b 1st x-y été ǆemal', Tag: '' }]), 'Hello WORLD Foo_bar A.B 1st X-Y Été ǅemal\n');
  });

  it('pads with spaces, but leaves an empty value empty', () => {
    assert.equal(render('[{{pad .Name 2 1}}][{{pad .Tag 2 1}}]', [{ Name: 'x', Tag: '' }]), '[  x ][]\n');
  });

  it('truncates to a number of UTF-8 bytes, as docker slices the Go string', () => {
    assert.equal(render('{{truncate .Name 3}}|{{truncate .Name 100}}', [rows[0]!]), 'bus|busybox\n');
    // 日 is three bytes: four bytes keep it and one byte of the next, which shows as U+FFFD.
    assert.equal(render('{{truncate .Tag 4}}', [rows[1]!]), '日\ufffd\n');
    assert.equal(render('{{truncate .Tag 5}}', [rows[1]!]), '日\ufffd\ufffd\n');
  });

  it('splits and joins, printing a list as Go prints a []string', () => {
    assert.equal(render('{{split .Tag "."}}', [rows[0]!]), '[1 36 1]\n');
    assert.equal(render('{{split .Name ""}}', [{ Name: 'ab日', Tag: '' }]), '[a b 日]\n');
    assert.equal(render('{{join (split .Tag ".") ", "}}', [rows[0]!]), '1, 36, 1\n');
  });

  it('pipes a value in as the last argument, as Go does', () => {
    assert.equal(render('{{.Name | upper}}', [rows[0]!]), 'BUSYBOX\n');
    assert.equal(render('{{.Name | upper | lower}}', [rows[0]!]), 'busybox\n');
    assert.equal(render('{{(upper .Name) | lower}}', [rows[0]!]), 'busybox\n');
    // Go ends a pipeline at a '|' with nothing after it.
    assert.equal(render('{{.Name |}}', [rows[0]!]), 'busybox\n');
    rejects('{{.Name | truncate 3}}', /argument 1 of truncate must be a string, not an integer/);
  });

  it('trims whitespace at the trim markers, after \\t and \\n became whitespace', () => {
    assert.equal(render('a  {{- .Name -}}  b', [rows[0]!]), 'abusyboxb\n');
    assert.equal(render('{{.Name -}}\\t{{.Tag}}', [rows[0]!]), 'busybox1.36.1\n');
    assert.equal(render('{{-3}}', [rows[0]!]), '-3\n');
  });

  it("reads Go's string literals and decimal integers", () => {
    assert.equal(render('{{"a}}b\\x41\\u00e9\\101"}}{{`raw`}}{{3}}{{+4}}', [rows[0]!]), 'a}}bAéAraw34\n');
  });

  it('prints the format as written but a row value with its control characters escaped', () => {
    const hostile = { Name: 'x\ty\n\u001b[2J', Tag: '' };
    // The escaped value is 13 characters: its column is 16 wide, and the value adds no cell or line.
    assert.equal(render('table {{.Name}}\\t{{.Tag}}', [hostile]), `NAME${' '.repeat(12)}TAG\nx\\ty\\n\\x1b[2J   \n`);
    assert.equal(render('{{"a\\tb"}}', [rows[0]!]), 'a\tb\n');
  });

  it('refuses what the subset does not have, naming it, before printing anything', () => {
    rejects('{{range .}}{{.}}{{end}}', /'range' is not supported/);
    rejects('{{if .Name}}y{{end}}', /'if' is not supported/);
    rejects('{{.Nope}}', /has no placeholder \.Nope; it has \.Name \.Tag \.Flag/);
    rejects('{{nope .Name}}', /there is no function nope/);
    rejects('{{printf "%s" .Name}}', /the function printf is not supported/);
    rejects('{{.}}', /\{\{json \.\}\}/);
    rejects('{{upper}}', /upper takes 1 argument, not 0/);
    rejects('{{upper .Name .Tag}}', /upper takes 1 argument, not 2/);
    rejects('{{upper 3}}', /argument 1 of upper must be a string, not an integer/);
    rejects('{{join .Name ","}}', /argument 1 of join must be a list/);
    rejects('{{pad .Name "1" 2}}', /argument 2 of pad must be an integer/);
    rejects('{{pad .Name -1 0}}', /must not be negative/);
    rejects('{{truncate .Name -1}}', /must not be negative/);
    rejects('{{.Name .Tag}}', /\.Name is not a function/);
    rejects('{{.Name', /not closed/);
    rejects('{{}}', /empty/);
    rejects('{{$x := 1}}', /variables are not supported/);
    rejects('{{/* note */}}', /comments are not supported/);
    rejects('{{1.5}}', /the number 1\.5 is not supported/);
    rejects('{{007}}', /the number 007 is not supported/);
    rejects('{{.Name.Foo}}', /fields of values are not supported/);
    rejects('{{"\\q"}}', /the escape \\q is not valid/);
    rejects('{{upper (.Name}}', /not closed/);
  });
});

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ellipsis, runeCount, tabwrite } from '../../../../src/format/docker/tabwriter.js';

const sp = (n: number) => ' '.repeat(n);

describe('format/docker/tabwriter (Go text/tabwriter as docker sets it: minwidth 10, padding 3)', () => {
  it('pads a column to 10 at least, and leaves the last cell of a line unpadded', () => {
    assert.equal(tabwrite('a\tb\nccc\td\n'), `a${sp(9)}b\nccc${sp(7)}d\n`);
  });

  it('makes a column its widest cell plus 3', () => {
    assert.equal(tabwrite('abcdefghijkl\tx\nab\ty\n'), `abcdefghijkl${sp(3)}x\nab${sp(13)}y\n`);
  });

  it('pads a tab-ended last cell as a column cell', () => {
    assert.equal(tabwrite('a\tb\t\n'), `a${sp(9)}b${sp(9)}\n`);
  });

  it('counts code points, not bytes, columns or UTF-16 units', () => {
    // Three wide characters are three runes to Go, as a combining accent is one more.
    assert.equal(tabwrite('日本語\tx\n'), `日本語${sp(7)}x\n`);
    assert.equal(tabwrite('e\u0301\tx\n'), `e\u0301${sp(8)}x\n`);
    assert.equal(tabwrite('🐳\tx\n'), `🐳${sp(9)}x\n`);
    assert.equal(runeCount('🐳e\u0301'), 3);
  });

  it('ends a column block at a line with fewer cells; the next lines start a new block', () => {
    const text = 'a\tbbbbbbbbbbbb\tend\na\tb\na\tc\tend\n';
    assert.equal(tabwrite(text), [`a${sp(9)}bbbbbbbbbbbb${sp(3)}end`, `a${sp(9)}b`, `a${sp(9)}c${sp(9)}end`, ''].join('\n'));
  });

  it('ends every block at a line without a tab', () => {
    assert.equal(tabwrite('aaaaaaaaaaaaaaa\tx\nplain\nb\ty\n'), `aaaaaaaaaaaaaaa${sp(3)}x\nplain\nb${sp(9)}y\n`);
  });

  it("treats '\\v' as a cell end and '\\f' as a line end that closes all columns (printed as a newline)", () => {
    assert.equal(tabwrite('a\vb\n'), `a${sp(9)}b\n`);
    assert.equal(tabwrite('aaaaaaaaaaaaaaa\tx\fb\ty\n'), `aaaaaaaaaaaaaaa${sp(3)}x\nb${sp(9)}y\n`);
  });

  it('aligns every column of a rectangular table: each cell starts where the one above does, 3 past the widest', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'é', '日', '🐳', ' ', '-'), maxLength: 14 });
    const table = fc.integer({ min: 1, max: 4 }).chain((cols) => fc.array(fc.array(cell, { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 6 }));
    fc.assert(
      fc.property(table, (rows) => {
        const lines = tabwrite(rows.map((r) => `${r.join('\t')}\n`).join('')).split('\n').slice(0, -1);
        assert.equal(lines.length, rows.length);
        let start = 0;
        for (let col = 0; col < rows[0]!.length; col++) {
          const widest = Math.max(...rows.map((r) => runeCount(r[col]!)));
          lines.forEach((line, i) => assert.equal([...line].slice(start, start + runeCount(rows[i]![col]!)).join(''), rows[i]![col]));
          start += Math.max(10, widest + 3);
        }
        // The last cell is not padded: each line ends with its own text.
        lines.forEach((line, i) => assert.equal(runeCount(line), start - Math.max(10, Math.max(...rows.map((r) => runeCount(r.at(-1)!))) + 3) + runeCount(rows[i]!.at(-1)!)));
      }),
    );
  });

  it('prints text after the last newline without one, and drops an empty cell there', () => {
    assert.equal(tabwrite('a\tb'), `a${sp(9)}b`);
    assert.equal(tabwrite('a\t'), 'a');
    assert.equal(tabwrite('a\t\n'), `a${sp(9)}\n`);
    assert.equal(tabwrite(''), '');
  });
});

describe("format/docker/tabwriter ellipsis (docker's formatter.Ellipsis)", () => {
  it('keeps text of up to 45 columns and cuts longer text to 44 plus …', () => {
    assert.equal(ellipsis('x'.repeat(45), 45), 'x'.repeat(45));
    assert.equal(ellipsis('x'.repeat(46), 45), `${'x'.repeat(44)}…`);
  });

  it('counts East Asian wide characters as two columns', () => {
    assert.equal(ellipsis('日'.repeat(22) + 'a', 45), '日'.repeat(22) + 'a');
    assert.equal(ellipsis('日'.repeat(23), 45), `${'日'.repeat(22)}…`);
    assert.equal(ellipsis(`a${'日'.repeat(22)}b`, 45), `a${'日'.repeat(21)}…`);
    // Fullwidth forms are wide too; an accent is one column as docker counts it.
    assert.equal(ellipsis('Ａ'.repeat(23), 45), `${'Ａ'.repeat(22)}…`);
    assert.equal(ellipsis('é'.repeat(46), 45), `${'é'.repeat(44)}…`);
  });

  it('has docker’s edge cases: width 0, width 1, and a first character too wide to cut', () => {
    assert.equal(ellipsis('abc', 0), '');
    assert.equal(ellipsis('abc', 1), 'a');
    assert.equal(ellipsis('日本語', 2), '日本語');
    assert.equal(ellipsis('abc', 2), 'a…');
  });
});

import assert from 'node:assert/strict';
import { formatCell, renderObjectTable, renderTable } from '../../../src/format/table.js';
import { projectTable } from '../../../src/format/project.js';

const nano = { Name: 'NanoServer', Publisher: 'CN=Microsoft', Version: '10.0.10586.0', IsOSImage: true, ParentImage: null, Size: 5 };
const iis = {
  Name: 'IIS',
  Publisher: 'CN=Contoso',
  Version: '1.0.0.0',
  IsOSImage: false,
  ParentImage: { Name: 'NanoServer', Publisher: 'CN=Microsoft', Version: '10.0.10586.0' },
  Size: 1200,
};

describe('format/table', () => {
  describe('renderTable', () => {
    it('prints header, dashes as long as each header, padded cells, blank line before and after', () => {
      const text = renderTable(
        [{ header: 'Name' }, { header: 'Version' }, { header: 'IsOSImage' }],
        [['NanoServer', '10.0.10586.0', 'True'], ['IIS', '1.0.0.0', 'False']],
      );
      assert.equal(
        text,
        '\n' +
          'Name       Version      IsOSImage\n' +
          '----       -------      ---------\n' +
          'NanoServer 10.0.10586.0 True\n' +
          'IIS        1.0.0.0      False\n' +
          '\n',
      );
    });

    it('right-aligns header, dashes and cells of a right column', () => {
      const text = renderTable([{ header: 'Name' }, { header: 'Size', align: 'right' }], [['a', '12345'], ['bb', '7']]);
      assert.equal(text, '\nName  Size\n----  ----\na    12345\nbb       7\n\n');
    });

    it('trims trailing spaces, including an empty last cell', () => {
      const text = renderTable([{ header: 'Name' }, { header: 'ParentImage' }], [['NanoServer', '']]);
      assert.equal(text, '\nName       ParentImage\n----       -----------\nNanoServer\n\n');
    });

    it('renders nothing for no rows', () => {
      assert.equal(renderTable([{ header: 'Name' }], []), '');
    });
  });

  describe('formatCell', () => {
    it('shows booleans as PowerShell does, null as empty, arrays in braces', () => {
      assert.equal(formatCell(true), 'True');
      assert.equal(formatCell(false), 'False');
      assert.equal(formatCell(null), '');
      assert.equal(formatCell(undefined), '');
      assert.equal(formatCell(['a', 'b']), '{a, b}');
      assert.equal(formatCell(42), '42');
    });

    it('shows a nested image as a ParentImage and other objects as JSON', () => {
      assert.equal(formatCell(iis.ParentImage), "ContainerImage (Name = 'NanoServer') [Publisher = 'CN=Microsoft', Version = '10.0.10586.0']");
      assert.equal(formatCell({ a: 1 }), '{"a":1}');
    });
  });

  describe('projectTable', () => {
    it('keeps the named properties case-insensitively, in the order asked, in the objects\' spelling', () => {
      const p = projectTable([nano, iis], ['parentimage', 'NAME']);
      assert.deepEqual(p.columns, ['ParentImage', 'Name']);
      assert.deepEqual(p.objects, [
        { ParentImage: null, Name: 'NanoServer' },
        { ParentImage: iis.ParentImage, Name: 'IIS' },
      ]);
      assert.deepEqual(Object.keys(p.objects[1]), ['ParentImage', 'Name']);
    });

    it('gives null for a property nobody has, keeping the spelling asked', () => {
      const p = projectTable([nano], ['Missing']);
      assert.deepEqual(p, { columns: ['Missing'], objects: [{ Missing: null }] });
    });
  });

  describe('renderObjectTable', () => {
    it('renders chosen properties, ParentImage as text, numbers right-aligned', () => {
      const text = renderObjectTable([nano, iis], ['name', 'Size', 'ParentImage']);
      assert.equal(
        text,
        '\n' +
          'Name       Size ParentImage\n' +
          '----       ---- -----------\n' +
          'NanoServer    5\n' +
          "IIS        1200 ContainerImage (Name = 'NanoServer') [Publisher = 'CN=Microsoft', Version = '10.0.10586.0']\n" +
          '\n',
      );
    });
  });
});

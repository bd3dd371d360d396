/**
 * A listing of the default columns reads the images' summaries alone (store/images.ts): its
 * table must be the one their whole records give, and any other output must ask for the records.
 */
import assert from 'node:assert/strict';
import { needsWholeRecords, renderImages, renderImageSummaries } from '../../../src/format/images.js';
import type { ImageRecord, ImageSummary } from '../../../store/index.js';

const record = (id: number, name: string, publisher: string | null, version: string | null): ImageRecord => ({
  id, name, publisher, version, description: `about ${name}`, repository: `r/${id}`, tag: 'latest', manifestDigest: `sha256:${'m'.repeat(63)}${id}`,
  configDigest: `sha256:${'c'.repeat(63)}${id}`, platform: 'windows/amd64', size: 1000 * id, created: null, installed: 'now', sourceId: null, parentId: null, pulled: true,
});
const summary = ({ id, name, publisher, version, parentId }: ImageRecord): ImageSummary => ({ id, name, publisher, version, parentId });

describe('image listings from summaries', () => {
  const nano = record(1, 'NanoServer', 'Microsoft', '10.0.17763.1');
  const web = record(2, 'WebApp', null, '1.2.0.0');
  const tool = record(3, 'tool\tx', 'CN=Demo', null);
  const full = [
    { image: nano, parent: null },
    { image: web, parent: nano },
    { image: tool, parent: web },
  ];
  const summaries = full.map(({ image, parent }) => ({ image: summary(image), parent: parent && summary(parent) }));

  for (const properties of [undefined, ['Name', 'ParentImage'], ['isosimage', 'VERSION', 'publisher'], ['ParentImage']]) {
    it(`renders the table records render, columns ${properties?.join(',') ?? 'by default'}`, () => {
      assert.ok(!needsWholeRecords('Table', properties));
      const table = renderImageSummaries(summaries, properties);
      // A blank line, the header, its dashes, three rows (an OS image's ParentImage row is empty), two blank lines.
      assert.equal(table.split('\n').length, 8);
      assert.equal(table, renderImages(full, 'Table', properties));
    });
  }

  it('asks for whole records for JSON, and for columns a summary lacks', () => {
    assert.ok(needsWholeRecords('Json'));
    assert.ok(needsWholeRecords('Json', ['Name']));
    assert.ok(needsWholeRecords('Table', ['Name', 'Id']));
    assert.ok(needsWholeRecords('Table', ['Size']));
    // A name no image has is a column of nulls in either; the records say so, not the summaries.
    assert.ok(needsWholeRecords('Table', ['Nope']));
  });
});

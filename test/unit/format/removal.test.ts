import assert from 'node:assert/strict';
import { removalLines, renderRemovalJson } from '../../../src/format/removal.js';
import type { Removal } from '../../../src/ops/remove.js';
import type { ImageRecord } from '../../../store/index.js';

const image = (id: number, name: string, version: string | null): ImageRecord => ({
  id, name, version, publisher: 'Contoso', description: null, repository: `r/${name}`, tag: null, manifestDigest: `sha256:m${id}`,
  configDigest: `sha256:c${id}`, platform: 'linux/amd64', size: 1, created: null, installed: 'now', sourceId: null, parentId: null, pulled: true,
});

const removal: Removal = {
  removed: [image(3, 'Api', '2.0'), image(2, 'WebApp', '1.2.0.0')],
  refused: [{ image: image(1, 'Nano', null), containers: [{ id: 1, cid: 'a'.repeat(64), name: 'c1', imageId: 1, state: 'Stopped', created: 'now', started: null }], children: [image(4, 'Worker', '1.0')] }],
  gone: [],
  skipped: [],
  swept: { layers: 2, blobs: 5, chainIds: ['sha256:l2', 'sha256:l1'] },
};

describe('removal outcome rendering', () => {
  it('says what was removed and what was freed', () => {
    assert.deepEqual(removalLines(removal), ['Removed image Api 2.0', 'Removed image WebApp 1.2.0.0', 'Deleted 2 unused layers and 5 unused blobs']);
    assert.deepEqual(removalLines({ ...removal, removed: [] }), [], 'nothing freed is not worth a line when nothing was removed');
  });

  it('as JSON, one object per image with its outcome and dependents', () => {
    const objects = JSON.parse(renderRemovalJson(removal, false)) as Record<string, unknown>[];
    assert.deepEqual(objects.map((o) => [o.Name, o.Outcome]), [['Api', 'Removed'], ['WebApp', 'Removed'], ['Nano', 'Refused']]);
    assert.deepEqual(objects[2], {
      Name: 'Nano', Publisher: 'CN=Contoso', Version: '', Id: 'sha256:c1', Outcome: 'Refused',
      Containers: [{ Name: 'c1', State: 'Stopped', Id: 'a'.repeat(64) }],
      ChildImages: [{ Name: 'Worker', Publisher: 'CN=Contoso', Version: '1.0', Id: 'sha256:c4' }],
    });
    assert.deepEqual((JSON.parse(renderRemovalJson(removal, true)) as { Outcome: string }[]).map((o) => o.Outcome), ['WouldRemove', 'WouldRemove', 'WouldRefuse']);
  });

  it('as JSON, an image not attempted after a refusal (-ErrorAction Stop) as Skipped', () => {
    const stopped = JSON.parse(renderRemovalJson({ ...removal, removed: [], skipped: [image(2, 'WebApp', '1.2.0.0')] }, false)) as Record<string, unknown>[];
    assert.deepEqual(stopped.map((o) => [o.Name, o.Outcome]), [['Nano', 'Refused'], ['WebApp', 'Skipped']]);
  });
});

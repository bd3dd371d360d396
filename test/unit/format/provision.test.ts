/** Invoke-ContainerImageProvisioning's report: the table, the one JSON document, and the summary line. */
import assert from 'node:assert/strict';
import { CtrimgError } from '../../../src/errors.js';
import { provisioningSummary, renderProvisioningJson, renderProvisioningTable } from '../../../src/format/provision.js';
import { parseProvisioningFile } from '../../../src/ops/provision-file.js';
import type { ProvisionItem, Provisioning } from '../../../src/ops/provision.js';
import type { ImageRecord } from '../../../store/index.js';

const image = (id: number, name: string, version: string | null, tag: string | null): ImageRecord => ({
  id, name, version, publisher: null, description: null, repository: `127.0.0.1:5000/samples/${name.toLowerCase()}`, tag, manifestDigest: `sha256:${'0'.repeat(63)}${id}`,
  configDigest: `sha256:c${id}`, platform: 'linux/amd64', size: 1, created: null, installed: 'now', sourceId: null, parentId: null, pulled: true,
});
const [nano, web, missing] = parseProvisioningFile(
  'images:\n  - name: NanoServer\n    version: ">=10.0.17763"\n    source: local\n  - reference: 127.0.0.1:5000/samples/webapp:1.2.0\n  - name: Missing\n',
  'images.yaml',
);
const container = { id: 1, cid: 'a'.repeat(64), name: 'c1', imageId: 4, state: 'Off', created: 'now', started: null };

const run: Provisioning = {
  whatIf: false,
  changed: true,
  items: [
    { action: 'Keep', status: 'Succeeded', desired: nano, image: image(1, 'NanoServer', '10.0.17763.1', '10.0.17763.1') },
    { action: 'Install', status: 'Succeeded', desired: web, image: image(2, 'WebApp', '1.2.0', '1.2.0') },
    { action: 'Install', status: 'Failed', desired: missing, error: new CtrimgError('notFound', "no image named 'Missing' in any registered source", { code: 'IMAGE_NOT_FOUND' }) },
    { action: 'Remove', status: 'Succeeded', image: image(3, 'Tools', null, null) },
    { action: 'Refused', status: 'Failed', image: image(4, 'Old', '1.0', '1.0'), dependents: { containers: [container], children: [] }, error: new CtrimgError('dependent', 'in use', { code: 'IMAGE_IN_USE' }) },
  ] as ProvisionItem[],
};

describe('provisioning report', () => {
  it('as JSON: one document, Changed and one entry per image with its action, status and error', () => {
    const doc = JSON.parse(renderProvisioningJson(run)) as { Changed: boolean; Images: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(doc), ['Changed', 'Images']);
    assert.equal(doc.Changed, true);
    assert.deepEqual(doc.Images[0], { Name: 'NanoServer', Version: '10.0.17763.1', Reference: '127.0.0.1:5000/samples/nanoserver:10.0.17763.1', Action: 'Keep', Status: 'Succeeded' });
    assert.deepEqual(doc.Images[2], {
      Name: 'Missing', Version: null, Reference: null, Action: 'Install', Status: 'Failed',
      Error: { Message: "no image named 'Missing' in any registered source", Code: 'IMAGE_NOT_FOUND' },
    });
    assert.equal(doc.Images[3]!.Reference, `127.0.0.1:5000/samples/tools@sha256:${'0'.repeat(63)}3`, 'an untagged image by its digest');
    assert.deepEqual(doc.Images.map((i) => `${i.Action} ${i.Status}`), ['Keep Succeeded', 'Install Succeeded', 'Install Failed', 'Remove Succeeded', 'Refused Failed']);
  });

  it('as a table: a row per image, with why in Detail', () => {
    const lines = renderProvisioningTable(run).split('\n').map((l) => l.trimEnd());
    assert.match(lines[1]!, /^Action  Status    Name       Version      Reference +Detail$/);
    assert.match(lines[5]!, /^Install Failed    Missing +no image named 'Missing' in any registered source$/);
    assert.match(lines[6]!, /^Remove  Succeeded Tools +127\.0\.0\.1:5000\/samples\/tools@sha256:0+3 not in the file$/);
    assert.match(lines[7]!, /^Refused Failed    Old +1\.0 .* used by container 'c1' \(Off\)$/);
    const plan: Provisioning = { whatIf: true, changed: true, items: [{ action: 'Install', status: 'Skipped', desired: nano }] };
    assert.match(renderProvisioningTable(plan), /Install Skipped NanoServer +version >=10\.0\.17763\.0 from source 'local'\n/);
  });

  it('sums up what changed, what a plan would change, or that nothing had to', () => {
    assert.equal(provisioningSummary(run), 'Changed: 1 installed, 1 removed, 1 kept, 1 refused, 1 failed');
    assert.equal(provisioningSummary({ whatIf: false, changed: false, items: run.items.slice(0, 1) }), 'Nothing to change: every image is as the file says');
    const skipped: Provisioning = { whatIf: false, changed: false, items: [run.items[0]!, { action: 'Install', status: 'Skipped', desired: nano }, { ...run.items[3]!, status: 'Skipped' }] };
    assert.equal(provisioningSummary(skipped), 'Nothing changed: 0 installed, 0 removed, 1 kept, 2 skipped', 'a declined or stopped item is no "nothing to change"');
    assert.equal(provisioningSummary({ ...run, whatIf: true }), 'What if: 2 to install, 1 to keep, 1 to remove, 1 refused; nothing was changed');
    assert.equal(provisioningSummary({ whatIf: true, changed: false, items: run.items.slice(0, 1) }), 'What if: nothing to change; every image is as the file says');
  });
});

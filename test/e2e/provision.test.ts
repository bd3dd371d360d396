/**
 * Invoke-ContainerImageProvisioning end to end, through the executable against a real registry:
 * a first run installs what a YAML file lists (by name from a source, and by reference); a
 * second changes nothing, says so and exits 0, even once a newer version is offered; -WhatIf
 * prints the plan and leaves the store as it was; -Prune asks for -Force off a terminal, then
 * removes an image the file no longer lists and reports the one a container uses (exit 4); an
 * entry the registry lacks fails without stopping the others; a malformed file changes nothing;
 * an unlisted image a run makes the base of what it installs is not pruned.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ctrimg, ctrimgJson, type ImageJson } from '../support/ctrimg.js';
import { BASE_ANNOTATIONS, publishFixtures, type Fixtures } from '../support/fixtures.js';
import { publishImage, tarFromEntries, type PublishedImage } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { snapshotStore } from '../support/store-snapshot.js';

interface Report {
  Changed: boolean;
  Images: { Name: string | null; Version: string | null; Reference: string | null; Action: string; Status: string; Error?: { Message: string; Code: string } }[];
}

describe('end to end: provisioning from a file', function () {
  this.timeout(180_000);
  let registry: RunningRegistry;
  let fx: Fixtures;
  let tools: PublishedImage;
  let worker: PublishedImage;
  let root: string;
  let dir: string;

  /** Writes a provisioning file into the test's directory; returns its path. */
  async function file(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }
  const provision = (args: string[]) => ctrimg(root, ['Invoke-ContainerImageProvisioning', ...args]);
  async function provisionJson(args: string[]): Promise<{ code: number; report: Report; stderr: string }> {
    const r = await provision([...args, '-OutputFormat', 'Json']);
    return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
  }
  const rows = (r: Report) => r.Images.map((i) => `${i.Action} ${i.Status} ${i.Name}`);
  const installed = async () => (await ctrimgJson<ImageJson>(root, ['Get-ContainerImage'])).map((i) => `${i.Name} ${i.Version}`);

  before(async () => {
    registry = await startRegistry();
    fx = await publishFixtures(registry.host);
    const own = async (repo: string, title: string) =>
      publishImage(registry.host, {
        repo, tag: '1.0',
        layers: [{ tar: await tarFromEntries([{ name: `${title}.txt`, content: title }]) }],
        annotations: { 'org.opencontainers.image.title': title },
      });
    tools = await own('samples/tools', 'Tools');
    worker = await own('samples/worker', 'Worker');
    root = await mkdtemp(join(tmpdir(), 'ctrimg-provision-'));
    dir = await mkdtemp(join(tmpdir(), 'ctrimg-provision-files-'));
    const reg = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'local', '-Location', registry.url, '-Insecure', '-Namespace', 'samples']);
    assert.equal(reg.code, 0, reg.stderr);
  });
  after(async () => {
    await registry?.stop();
    for (const d of [root, dir]) if (d) await rm(d, { recursive: true, force: true });
  });

  it('installs what a YAML file lists, by name from a source and by reference, and says it changed something', async () => {
    const path = await file(
      'images.yaml',
      [
        'images:',
        '  - name: NanoServer',
        '    version: ">=10.0.17763"',
        '    source: local',
        '    platform: linux/amd64',
        `  - reference: ${fx.child.reference}`,
        '    insecure: true',
        `  - reference: ${tools.reference}`,
        '    insecure: true',
        `  - reference: ${worker.reference}`,
        '    insecure: true',
        '',
      ].join('\n'),
    );
    const { code, report, stderr } = await provisionJson([path]);
    assert.equal(code, 0, stderr);
    assert.equal(report.Changed, true);
    assert.deepEqual(rows(report), ['Install Succeeded NanoServer', 'Install Succeeded WebApp', 'Install Succeeded Tools', 'Install Succeeded Worker']);
    assert.deepEqual(report.Images[1], { Name: 'WebApp', Version: '1.2.0.0', Reference: fx.child.reference, Action: 'Install', Status: 'Succeeded' });
    assert.match(stderr, /Changed: 4 installed, 0 removed, 0 kept\n/);
    assert.deepEqual(await installed(), ['NanoServer 10.0.17763.1', 'Tools 1.0.0.0', 'WebApp 1.2.0.0', 'Worker 1.0.0.0']);
  });

  it('a second run changes nothing, says so and exits 0, though a newer version is now offered', async () => {
    await publishImage(registry.host, {
      repo: 'samples/nanoserver', tag: '10.0.17763.5', annotations: { ...BASE_ANNOTATIONS },
      layers: [{ tar: await tarFromEntries([{ name: 'newer.txt', content: 'newer' }]) }],
    });
    const before = await snapshotStore(root);
    const r = await provision([join(dir, 'images.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Nothing to change: every image is as the file says$/m);
    assert.deepEqual(r.stdout.trim().split('\n').slice(2).map((l) => l.split(/\s+/).slice(0, 3).join(' ')), ['Keep Succeeded NanoServer', 'Keep Succeeded WebApp', 'Keep Succeeded Tools', 'Keep Succeeded Worker']);
    assert.deepEqual(await snapshotStore(root), before, 'not a row nor a file changed');
    const { report } = await provisionJson([join(dir, 'images.yaml')]);
    assert.equal(report.Changed, false);
  });

  it('-WhatIf -Prune prints the plan (keep, remove, refused), Changed for the drift, and changes nothing', async () => {
    const c = await ctrimg(root, ['New-Container', '-ContainerImageName', 'Worker', '-Name', 'w1']);
    assert.equal(c.code, 0, c.stderr);
    await file('web-only.json', JSON.stringify({ images: [{ reference: fx.child.reference, insecure: true }, { name: 'Multi', source: 'local' }] }, null, 2));
    const before = await snapshotStore(root);
    const { code, report, stderr } = await provisionJson([join(dir, 'web-only.json'), '-Prune', '-WhatIf']);
    assert.equal(code, 4, 'the exit code a run would have: the refusal it plans, as Remove-ContainerImage -WhatIf');
    assert.equal(report.Changed, true, 'a run would change something');
    assert.deepEqual(rows(report), ['Keep Succeeded WebApp', 'Install Skipped Multi', 'Remove Skipped Tools', 'Refused Skipped Worker']);
    assert.equal(report.Images[3]!.Error, undefined, 'the document is the plan: no item failed');
    assert.match(stderr, /What if: 1 to install, 1 to keep, 1 to remove, 1 refused; nothing was changed/);
    const error = JSON.parse(stderr.trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.deepEqual([error.Message, error.Code, error.ExitCode], ["1 of 4 images would be refused (nothing was changed): Worker 1.0.0.0: not in the file, but used by container 'w1' (Off)", 'IMAGE_IN_USE', 4]);
    assert.deepEqual(await snapshotStore(root), before);
  });

  it('-Prune off a terminal without -Force refuses before anything changes', async () => {
    const before = await snapshotStore(root);
    const r = await provision([join(dir, 'web-only.json'), '-Prune']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Invoke-ContainerImageProvisioning: the operation "Remove" on target "Tools 1\.0\.0\.0 \(not in the file\)" needs confirmation, and stdin is not a terminal to ask on; nothing was changed \(give -Force .*\) \[CONFIRMATION_REQUIRED\]$/m);
    assert.deepEqual(await snapshotStore(root), before, 'not even the entry to install was installed');
  });

  it('-Prune -Force removes what the file does not list, keeps the parent of what it does, and reports the refusal (exit 4)', async () => {
    const { code, report, stderr } = await provisionJson([join(dir, 'web-only.json'), '-Prune', '-Force']);
    assert.equal(code, 4, stderr);
    assert.equal(report.Changed, true);
    assert.deepEqual(rows(report), ['Keep Succeeded WebApp', 'Install Succeeded Multi', 'Remove Succeeded Tools', 'Refused Failed Worker']);
    assert.deepEqual(report.Images[3]!.Error, { Message: "not in the file, but used by container 'w1' (Off)", Code: 'IMAGE_IN_USE' });
    const error = JSON.parse(stderr.trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.deepEqual([error.Message, error.Code, error.ExitCode], ["1 of 4 images failed (the others were attempted): Worker 1.0.0.0: not in the file, but used by container 'w1' (Off)", 'IMAGE_IN_USE', 4]);
    assert.deepEqual(await installed(), ['Multi 1.0.0.0', 'NanoServer 10.0.17763.1', 'WebApp 1.2.0.0', 'Worker 1.0.0.0']);
  });

  it('an entry the registry lacks fails without stopping the others, and the exit is non-zero', async () => {
    const path = await file('partly.json', JSON.stringify({ images: [{ name: 'NoSuchImage' }, { reference: tools.reference, insecure: true }] }));
    const { code, report, stderr } = await provisionJson([path]);
    assert.equal(code, 3, stderr);
    assert.deepEqual(rows(report), ['Install Failed NoSuchImage', 'Install Succeeded Tools']);
    assert.equal(report.Images[0]!.Error?.Code, 'IMAGE_NOT_FOUND');
    assert.equal(report.Changed, true);
    const r = await provision([path]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^Invoke-ContainerImageProvisioning: 1 of 2 images failed \(the others were attempted\): NoSuchImage: no image named 'NoSuchImage' in any registered source \(Find-ContainerImage lists what the sources offer\) \[IMAGE_NOT_FOUND\]$/m);
    assert.match(r.stderr, /^Nothing changed: 0 installed, 0 removed, 1 kept, 1 failed$/m, 'the second time, Tools is kept');
    assert.ok((await installed()).includes('Tools 1.0.0.0'));
  });

  it('a malformed file is refused with its line and field, before anything changes', async () => {
    const path = await file('bad.json', `{\n  "images": [\n    { "reference": "${tools.reference}", "insecure": true },\n    { "name": "NanoServer",\n      "version": ">=banana" }\n  ]\n}\n`);
    const unknownSource = await file('bad-source.yaml', 'images:\n  - reference: 127.0.0.1:1/x:1\n  - name: NanoServer\n    source: nowhere\n');
    await ctrimg(root, ['Remove-ContainerImage', '-Name', 'Tools', '-Force']);
    const before = await snapshotStore(root);
    const bad = await provision([path, '-Prune', '-Force']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, `Invoke-ContainerImageProvisioning: ${path}:5:18: images[1].version: '>=banana' is not a version range (an exact version, >=X, <=X, or '>=X <=Y') [PROVISION_FILE_INVALID]\n`);
    const source = await provision([unknownSource]);
    assert.equal(source.code, 3);
    assert.match(source.stderr, new RegExp(`${unknownSource}:4:13: no source named 'nowhere' is registered \\(Get-ContainerImageSource lists them\\) \\[SOURCE_NOT_FOUND\\]`));
    assert.deepEqual(await snapshotStore(root), before);
  });

  it('-Prune keeps an unlisted image that the run makes the base of an image it installs', async () => {
    const rmi = await ctrimg(root, ['Remove-ContainerImage', '-Name', 'WebApp', '-Force']);
    assert.equal(rmi.code, 0, rmi.stderr);
    const path = await file('web-back.json', JSON.stringify({ images: [{ reference: fx.child.reference, insecure: true }, { reference: worker.reference, insecure: true }, { name: 'Multi' }] }));
    const plan = await provisionJson([path, '-Prune', '-WhatIf']);
    assert.deepEqual(rows(plan.report), ['Install Skipped null', 'Keep Succeeded Worker', 'Keep Succeeded Multi', 'Remove Skipped NanoServer'], 'the plan reads the store alone');
    const { code, report, stderr } = await provisionJson([path, '-Prune', '-Force']);
    assert.equal(code, 0, stderr);
    assert.deepEqual(rows(report), ['Install Succeeded WebApp', 'Keep Succeeded Worker', 'Keep Succeeded Multi', 'Keep Succeeded NanoServer']);
    assert.deepEqual(await installed(), ['Multi 1.0.0.0', 'NanoServer 10.0.17763.1', 'WebApp 1.2.0.0', 'Worker 1.0.0.0']);
  });

  it('-Prune keeps the only copy of an image whose newer version fails to install, and says why', async () => {
    const path = await file('upgrade.json', JSON.stringify({ images: [{ name: 'Multi', version: '>=2.0' }, { reference: fx.child.reference, insecure: true }, { reference: worker.reference, insecure: true }] }));
    const { code, report, stderr } = await provisionJson([path, '-Prune', '-Force']);
    assert.equal(code, 3, stderr);
    assert.deepEqual(rows(report), ['Install Failed Multi', 'Keep Succeeded WebApp', 'Keep Succeeded Worker', 'Keep Succeeded Multi']);
    assert.equal(report.Changed, false);
    assert.deepEqual(await installed(), ['Multi 1.0.0.0', 'NanoServer 10.0.17763.1', 'WebApp 1.2.0.0', 'Worker 1.0.0.0']);
    const table = await provision([path, '-Prune', '-Force']);
    assert.match(table.stdout, /^Keep +Succeeded +Multi .*not removed: the install of Multi >=2\.0\.0\.0 did not succeed$/m);
  });

  it('-Prune keeps every installed version that satisfies an entry, not only the newest', async () => {
    const i = await ctrimg(root, ['Install-ContainerImage', '-Name', 'NanoServer', '-RequiredVersion', '10.0.17763.5', '-Source', 'local', '-Platform', 'linux/amd64']);
    assert.equal(i.code, 0, i.stderr);
    const path = await file('nano.yaml', 'images:\n  - name: NanoServer\n    version: ">=10.0.17763"\n');
    const { report } = await provisionJson([path, '-Prune', '-WhatIf']);
    const nano = report.Images.filter((r) => r.Name === 'NanoServer').map((r) => `${r.Action} ${r.Version}`);
    assert.deepEqual(nano, ['Keep 10.0.17763.5', 'Keep 10.0.17763.1']);
    const rmi = await ctrimg(root, ['Remove-ContainerImage', '-Name', 'NanoServer', '-Version', '10.0.17763.5', '-Force']);
    assert.equal(rmi.code, 0, rmi.stderr);
  });

  it('refuses an empty list with -Prune before anything changes; without -Prune it is nothing to do', async () => {
    const path = await file('empty.yaml', 'images: []\n');
    const before = await snapshotStore(root);
    const r = await provision([path, '-Prune', '-Force']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Invoke-ContainerImageProvisioning: the file lists no images, and pruning to an empty list would remove every installed image; nothing was changed \(list the images to keep; to remove images, use Remove-ContainerImage\) \[PROVISION_EMPTY\]$/m);
    const plain = await provision([path]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stderr, /^Nothing to change/m);
    assert.deepEqual(await snapshotStore(root), before);
  });

  it('asks about installs only with -Confirm (refusing off a terminal), and shows them with -Verbose', async () => {
    const path = await file('tools.json', JSON.stringify({ images: [{ reference: tools.reference, insecure: true }] }));
    const before = await snapshotStore(root);
    const asked = await provision([path, '-Confirm']);
    assert.equal(asked.code, 2);
    assert.match(asked.stderr, new RegExp(`the operation "Install" on target "${tools.reference}" needs confirmation, and stdin is not a terminal.*\\[CONFIRMATION_REQUIRED\\]$`, 'm'));
    assert.deepEqual(await snapshotStore(root), before);
    const verbose = await provision([path, '-Verbose']);
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.match(verbose.stderr, new RegExp(`^VERBOSE: Performing the operation "Install" on target "${tools.reference}"\\.$`, 'm'));
    assert.ok((await installed()).includes('Tools 1.0.0.0'));
  });

  it('-ErrorAction Stop stops at the first failure; SilentlyContinue writes no error line but exits non-zero', async () => {
    const path = await file('missing.json', JSON.stringify({ images: [{ name: 'NoSuch1' }, { name: 'NoSuch2' }] }));
    const stop = await provisionJson([path, '-ErrorAction', 'Stop']);
    assert.equal(stop.code, 3, stop.stderr);
    assert.deepEqual(rows(stop.report), ['Install Failed NoSuch1', 'Install Skipped NoSuch2']);
    const silent = await provision([path, '-ErrorAction', 'SilentlyContinue']);
    assert.equal(silent.code, 3);
    assert.doesNotMatch(silent.stderr, /^Invoke-ContainerImageProvisioning:/m);
    assert.match(silent.stdout, /^Install +Failed +NoSuch2/m, 'both attempted');
  });
});

/**
 * Error codes through the real executable: the text line ends in `[CODE]`, and with
 * -OutputFormat Json the error is one JSON object line on stderr with stdout left empty.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ctrimg } from '../support/ctrimg.js';
import { publishImage, tarFromEntries } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

describe('end to end: error codes', function () {
  this.timeout(60_000);
  let registry: RunningRegistry;
  let root: string;
  let missing: string;

  before(async () => {
    registry = await startRegistry();
    await publishImage(registry.host, { repo: 'codes/app', tag: '1.0', layers: [{ tar: await tarFromEntries([{ name: 'a.txt', content: 'a' }]) }] });
    missing = `${registry.host}/codes/app:9.9`;
    root = await mkdtemp(join(tmpdir(), 'ctrimg-codes-'));
  });
  after(async () => {
    await registry?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const install = (...extra: string[]) => ctrimg(root, ['Install-ContainerImage', '-Reference', missing, '-Insecure', '-Quiet', ...extra]);

  it('ends the error line with the code', async () => {
    const r = await install();
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stderr, `Install-ContainerImage: manifest unknown: ${missing} [MANIFEST_UNKNOWN]\n`);
  });

  it('writes one JSON object line on stderr with -OutputFormat Json and --json, and nothing on stdout', async () => {
    for (const format of [['-OutputFormat', 'Json'], ['--json']]) {
      const r = await install(...format);
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^\{[^\n]*\}\n$/);
      assert.deepEqual(JSON.parse(r.stderr), {
        Cmdlet: 'Install-ContainerImage',
        Message: `manifest unknown: ${missing}`,
        Hint: null,
        Code: 'MANIFEST_UNKNOWN',
        ExitCode: 3,
      });
    }
  });

  it('reports a usage error as JSON too, with exit code 2', async () => {
    const r = await ctrimg(root, ['Get-ContainerImage', '-Pubilsher', 'x', '--json']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.deepEqual(JSON.parse(r.stderr), {
      Cmdlet: 'Get-ContainerImage',
      Message: "unknown parameter '-Pubilsher'; did you mean '-Publisher'?",
      Hint: null,
      Code: 'USAGE',
      ExitCode: 2,
    });
  });
});

/**
 * Design rule 6, its second half: the store's content is reachable only by the account that
 * owns it. An image may carry a setuid-root file; installed by root, it must not become a way
 * for another local user to gain root, so nobody else may even traverse into the store.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, lchown, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ctrimg } from '../support/ctrimg.js';
import { publishImage, tarFromEntries, type PublishedImage } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

/**
 * Runs `program -u` (print the effective uid) as nobody. Through a shell: setpriv execs its
 * command before it has let go of root's capabilities, so only a process of nobody's own shows
 * what nobody can reach.
 */
const asNobody = (program: string) =>
  spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '/bin/sh', '-c', 'exec "$0" -u', program], { encoding: 'utf8' });
const modeOf = async (path: string) => (await stat(path)).mode & 0o7777;

describe('a store is private to its owner', function () {
  this.timeout(60_000);
  let registry: RunningRegistry;
  let suid: PublishedImage;
  let work: string;

  before(async () => {
    registry = await startRegistry();
    const tar = await tarFromEntries([
      { name: 'bin/', type: 'directory' },
      // `id` made setuid root: run by another user, it would print euid=0.
      { name: 'bin/x', content: await readFile('/usr/bin/id'), mode: 0o4755, uid: 0, gid: 0 },
    ]);
    suid = await publishImage(registry.host, { repo: 'samples/suid', tag: '1', layers: [{ tar }] });
  });
  after(() => registry?.stop());
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'ctrimg-perms-'));
    // Open like any parent directory (/var/lib is 0755), so only the store's own modes can stop anyone.
    await chmod(work, 0o755);
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  it('keeps a setuid-root file of an image out of reach of nobody', async () => {
    const root = join(work, 'store');
    const r = await ctrimg(root, ['Install-ContainerImage', '-Reference', suid.reference, '-Insecure', '-Quiet']);
    assert.equal(r.code, 0, r.stderr);
    const [layer] = await readdir(join(root, 'layers'));
    const x = join(root, 'layers', layer!, 'bin', 'x');
    assert.equal(await modeOf(x), 0o4755, 'the layer holds the file as the image has it');

    const control = asNobody('/usr/bin/id');
    assert.equal(control.stdout.trim(), '65534', `programs run as nobody: ${control.stderr}`);
    const run = asNobody(x);
    assert.notEqual(run.status, 0, `nobody ran ${x} and got euid ${run.stdout.trim()}`);
    assert.match(run.stderr, /Permission denied/);
    for (const dir of [root, join(root, 'layers'), join(root, 'containers')]) assert.equal(await modeOf(dir), 0o700, dir);
  });

  it('tightens a store created wider on the first command that opens it', async () => {
    const root = join(work, 'store');
    await mkdir(root);
    await chmod(root, 0o755);
    const r = await ctrimg(root, ['Get-ContainerImage']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await modeOf(root), 0o700);
  });

  it('refuses a store named through a link another user made (they could repoint it), exit 1, STORE_NOT_OURS, changing nothing', async () => {
    const root = join(work, 'store');
    await mkdir(root);
    await chmod(root, 0o755);
    const link = join(work, 'their-link');
    await symlink(root, link);
    await lchown(link, 65534, 65534);
    const r = await ctrimg(link, ['Get-ContainerImage']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^Get-ContainerImage: the store root ${link} is a link that belongs to uid 65534, not to this account \\(uid 0\\);.*\\[STORE_NOT_OURS\\]\n$`));
    assert.equal(await modeOf(root), 0o755);
    assert.deepEqual(await readdir(root), [], 'no directory of the store made');
  });

  it('refuses a CTRIMG_ROOT that is a shared directory holding users\' files (a 1777 /tmp), exit 2, leaving it as it was', async () => {
    const shared = join(work, 'tmp');
    await mkdir(shared);
    await chmod(shared, 0o1777);
    await writeFile(join(shared, 'someone-elses.txt'), 'theirs');
    const r = await ctrimg(shared, ['Get-ContainerImage']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      `Get-ContainerImage: ${shared} is not a ctrimg store: it is not empty and holds no ctrimg.db; nothing was changed (point CTRIMG_ROOT at a new or empty directory, or at an existing store) [NOT_A_STORE]\n`,
    );
    assert.equal(await modeOf(shared), 0o1777, 'mode and sticky bit kept');
    assert.deepEqual(await readdir(shared), ['someone-elses.txt']);
  });
});

/**
 * The tree-diff helper the fidelity suite judges with: two trees built alike compare equal, and
 * each kind of difference (type, size, content, mode bits, owner, symlink target bytes, hard-link
 * groups, mtime seconds and nanoseconds, xattrs, device numbers, names that differ only in bytes
 * that are not UTF-8) is reported, once, in words that name the path. As root (CI is), with
 * coreutils, getfattr/setfattr (attr) and setcap (libcap2-bin).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, chown, link, mkdir, mkdtemp, rename, rm, symlink, truncate, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffDirs, readTree, showPath } from '../../support/tree-diff.js';

function sh(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, (err, _o, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr}`)) : resolve()));
  });
}

const b = (s: string) => Buffer.from(s, 'latin1');

/** One of each kind of entry, every attribute set explicitly so that two builds are alike. */
async function build(root: string): Promise<void> {
  await mkdir(join(root, 'd/sub'), { recursive: true });
  await writeFile(join(root, 'd/f'), 'hello\n');
  await writeFile(join(root, 'd/g'), 'other\n');
  await link(join(root, 'd/f'), join(root, 'd/sub/f-again'));
  await writeFile(join(root, 'ping'), 'binary');
  await sh('setcap', ['cap_net_raw+ep', join(root, 'ping')]);
  await sh('setfattr', ['-n', 'user.blob', '-v', '0x00ff0a', join(root, 'd/g')]);
  await symlink('d/f', join(root, 'ln'));
  await sh('mkfifo', [join(root, 'fifo')]);
  await sh('mknod', [join(root, 'null'), 'c', '1', '3']);
  await sh('mknod', [join(root, 'loop'), 'b', '7', '0']);
  await mkdir(join(root, 'tmp'));
  await chmod(join(root, 'tmp'), 0o1777);
  await chown(join(root, 'd/sub'), 1000, 1000);
  await chmod(join(root, 'd/sub'), 0o2750);
  // A name that is not UTF-8 goes through Node (a program's arguments are strings here); a
  // negative time as a Date (Node takes a negative number of seconds for "now").
  await writeFile(b(`${root}/odd-\xff`), 'x');
  await utimes(b(`${root}/odd-\xff`), new Date(-86_400_500), new Date(-86_400_500));
  for (const p of ['d/f', 'd/g', 'ping', 'fifo', 'null', 'loop', 'tmp', 'd/sub', 'd', 'ln', ''])
    await sh('touch', ['-h', '-d', '@1700000000.123456789', join(root, p)]);
}

describe('test support: tree-diff', function () {
  this.timeout(20_000);
  let top: string;
  let a: string;
  let c: string;

  before(async () => {
    top = await mkdtemp(join(tmpdir(), 'ctrimg-tree-diff-'));
  });
  after(async () => {
    await rm(top, { recursive: true, force: true });
  });
  beforeEach(async function () {
    a = join(top, `${this.currentTest!.title.replace(/\W+/g, '-')}-a`);
    c = join(top, `${this.currentTest!.title.replace(/\W+/g, '-')}-b`);
    await mkdir(a);
    await mkdir(c);
    await build(a);
    await build(c);
  });

  const diff = (opts: Parameters<typeof diffDirs>[2] = {}) => diffDirs(a, c, { labels: ['A', 'B'], ...opts });
  /** Sets a path's mtime again after changing something under it. */
  const retouch = (p: string, t = '@1700000000.123456789') => sh('touch', ['-h', '-d', t, join(c, p)]);

  it('finds two trees built alike equal, and reads every kind of entry', async () => {
    assert.deepEqual(await diff(), []);
    const t = await readTree(a);
    assert.deepEqual(
      ['d', 'd/f', 'ln', 'fifo', 'null', 'loop'].map((p) => t.get(p)!.type),
      ['dir', 'file', 'symlink', 'fifo', 'char', 'block'],
    );
    assert.deepEqual(t.get('null')!.device, { major: 1, minor: 3 });
    assert.equal(t.get('tmp')!.mode, 0o1777);
    assert.equal(t.get(`odd-\xff`)!.mtimeNs, -86_400_500_000_000n);
    assert.match(t.get('ping')!.xattrs.get('security.capability')!, /^0x/);
    assert.equal(t.get('d/g')!.xattrs.get('user.blob'), '0x00ff0a');
  });

  it('reports a change of type, and nothing else for that path', async () => {
    await unlink(join(c, 'd/g'));
    await mkdir(join(c, 'd/g'));
    await retouch('d/g');
    await retouch('d');
    assert.deepEqual(await diff(), ['d/g: type A file, B dir']);
  });

  it('reports size and content', async () => {
    await writeFile(join(c, 'd/g'), 'OTHER\n');
    await sh('setfattr', ['-n', 'user.blob', '-v', '0x00ff0a', join(c, 'd/g')]);
    await retouch('d/g');
    const lines = await diff();
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^d\/g: sha256 A [0-9a-f]{64}, B [0-9a-f]{64}$/);
    await truncate(join(c, 'd/g'), 100);
    await retouch('d/g');
    assert.deepEqual((await diff()).filter((l) => !l.includes('sha256')), ['d/g: size A 6, B 100']);
  });

  it('reports setuid, setgid and sticky bits and the owner', async () => {
    await chmod(join(c, 'd/g'), 0o4644);
    await chmod(join(c, 'tmp'), 0o777);
    await chown(join(c, 'd/sub'), 1000, 1001);
    await chmod(join(c, 'd/sub'), 0o750);
    await chown(join(c, 'ping'), 3_000_000, 0);
    await sh('setcap', ['cap_net_raw+ep', join(c, 'ping')]); // chown drops capabilities
    assert.deepEqual(await diff(), [
      'd/g: mode A 0644, B 4644',
      'd/sub: mode A 2750, B 0750',
      'd/sub: uid:gid A 1000:1000, B 1000:1001',
      'ping: uid:gid A 0:0, B 3000000:0',
      'tmp: mode A 1777, B 0777',
    ]);
  });

  it('reports symlink targets byte for byte, non-UTF-8 bytes escaped', async () => {
    await unlink(join(c, 'ln'));
    await symlink(b('d/f\xfe'), join(c, 'ln'));
    await retouch('ln');
    await retouch('');
    assert.deepEqual(await diff(), ['ln: size A 3, B 4', 'ln: symlink target A d/f, B d/f\\xfe']);
  });

  it('reports hard-link groups that differ', async () => {
    await unlink(join(c, 'd/sub/f-again'));
    await writeFile(join(c, 'd/sub/f-again'), 'hello\n');
    await chown(join(c, 'd/sub/f-again'), 0, 0); // d/sub is setgid
    await sh('touch', ['-d', '@1700000000.123456789', join(c, 'd/f'), join(c, 'd/sub/f-again'), join(c, 'd/sub')]);
    assert.deepEqual(await diff(), ['d/f: hard links A [d/f, d/sub/f-again], B [d/f]', 'd/sub/f-again: hard links A [d/f, d/sub/f-again], B [d/sub/f-again]']);
  });

  it('reports mtimes a second apart and nanoseconds beyond the tolerance, not within it', async () => {
    await retouch('fifo', '@1700000001.123456789');
    await retouch('d/g', '@1700000000.123458789');
    await retouch('ln', '@1700000000.123457789');
    assert.deepEqual(await diff(), ['d/g: mtime A 1700000000.123456789, B 1700000000.123458789', 'fifo: mtime A 1700000000.123456789, B 1700000001.123456789']);
    await utimes(b(`${c}/odd-\xff`), new Date(-86_400_000), new Date(-86_400_000));
    assert.deepEqual((await diff()).at(-1), 'odd-\\xff: mtime A -86400.500000000, B -86400.000000000');
  });

  it('reports xattrs: security.capability and binary user values', async () => {
    await sh('setfattr', ['-x', 'security.capability', join(c, 'ping')]);
    await sh('setfattr', ['-n', 'user.blob', '-v', '0x00ff0b', join(c, 'd/g')]);
    const lines = await diff();
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.equal(lines[0], 'd/g: xattrs A user.blob=0x00ff0a, B user.blob=0x00ff0b');
    assert.match(lines[1]!, /^ping: xattrs A security\.capability=0x[0-9a-f]+, B \(none\)$/);
  });

  it('reports fifos and device nodes by type and by major:minor', async () => {
    await unlink(join(c, 'fifo'));
    await writeFile(join(c, 'fifo'), '');
    await unlink(join(c, 'null'));
    await sh('mknod', [join(c, 'null'), 'c', '1', '5']);
    await unlink(join(c, 'loop'));
    await sh('mknod', [join(c, 'loop'), 'c', '7', '0']);
    await sh('touch', ['-d', '@1700000000.123456789', join(c, 'fifo'), join(c, 'null'), join(c, 'loop'), c]);
    assert.deepEqual(await diff(), ['fifo: type A fifo, B file', 'loop: type A block, B char', 'null: device A 1:3, B 1:5']);
  });

  it('keeps names that differ only in bytes that are not UTF-8 apart, and lists a missing subtree once', async () => {
    await rename(b(`${c}/odd-\xff`), b(`${c}/odd-\xfe`));
    await rm(join(c, 'd/sub'), { recursive: true });
    await mkdir(join(c, 'only/deep/er'), { recursive: true });
    await sh('touch', ['-d', '@1700000000.123456789', c, join(c, 'd')]);
    assert.deepEqual(await diff(), [
      'd/sub: only in A (dir, with 1 entries below)',
      'odd-\\xff: only in A (file)',
      'odd-\\xfe: only in B (file)',
      'only: only in B (dir, with 2 entries below)',
      'd/f: hard links A [d/f, d/sub/f-again], B [d/f]',
    ]);
  });

  it('ignores the given fields of the given paths only', async () => {
    await retouch('', '@1');
    await retouch('d', '@1');
    const lines = await diff({ ignore: [{ path: '', fields: ['mtime'], why: 'test: the root directory is made by the test' }] });
    assert.deepEqual(lines, ['d: mtime A 1700000000.123456789, B 1.000000000']);
  });

  it('shows paths with invalid UTF-8, control bytes and backslashes escaped, valid UTF-8 as it is', () => {
    assert.equal(showPath(Buffer.from('caf\xc3\xa9/\xff\xc3(x\n\\', 'latin1')), 'café/\\xff\\xc3(x\\x0a\\x5c');
    assert.equal(showPath(Buffer.from('\xed\xa0\x80\xc0\xaf', 'latin1')), '\\xed\\xa0\\x80\\xc0\\xaf');
  });
});

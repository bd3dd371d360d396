/**
 * Layer fidelity (issue 12): the tree `New-Container` gives equals the tree `umoci unpack` gives
 * for the same image, entry by entry (test/support/tree-diff.ts), for images built from a real
 * tree of this machine (a few thousand files of /etc, /usr/bin, /usr/share/zoneinfo and shared
 * libraries, plus the oddities real trees have) by two independent writers:
 *
 * - umoci (`umoci repack`): its diffs list a changed file without its unchanged parent, and when
 *   a non-empty directory is replaced by a file or symlink they put the old children's whiteouts
 *   under the new entry (`d -> x`, then `d/.wh.child`);
 * - GNU tar (`--format=posix --sparse --xattrs`, explicit member lists that name `d/f` without
 *   `d`, whiteout files, an opaque directory, a write through `lib -> usr/lib`; and a
 *   `--format=gnu --sparse` layer with 'S' entries and base-256 times), each layer added with
 *   `umoci raw add-layer`.
 *
 * Each image is pushed with skopeo to a real registry and installed from there with ctrimg;
 * umoci unpacks the same OCI layout. As root (CI is), with umoci, skopeo, docker-registry, GNU
 * tar, coreutils, attr (getfattr, setfattr) and libcap2-bin (setcap).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, chown, link, lstat, lutimes, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ctrimg, ctrimgJson } from '../support/ctrimg.js';
import { skopeoPush } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { diffDirs, type Ignore } from '../support/tree-diff.js';

function sh(cmd: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** Sets a path's own times (not a symlink's target's) to `at`, `@seconds[.fraction]` as touch reads it. */
const touch = (path: string, at: string) => sh('touch', ['-h', '-d', at, path]);

/** A path under `root` whose last name is raw bytes (names that are not UTF-8 go through Node: program arguments are strings). */
const bytePath = (root: string, dir: string, name: Buffer) => Buffer.concat([Buffer.from(`${root}/${dir}/`), name]);

// The machine's own files, bounded so that the suite stays fast: all of /etc (what others may
// read) and /usr/share/zoneinfo, the first small binaries of /usr/bin and its setuid/setgid
// ones, and a few shared libraries with their symlinks.
const USR_BIN_FILES = 250;
const USR_BIN_MAX_BYTES = 96 * 1024;
const LIB_DIR = `/usr/lib/${{ x64: 'x86_64', arm64: 'aarch64' }[process.arch as string] ?? process.arch}-linux-gnu`;
const LIBS = /^lib(c|m|z|acl|attr|cap|selinux|pcre2-8|zstd|lzma|bz2|ffi|tinfo|uuid|crypt|gmp)\.so/;

/** `cp -a` of the given host paths into `dest` (one run, so hard links among them stay links). */
async function copyInto(dest: string, paths: string[]): Promise<void> {
  await mkdir(dest, { recursive: true });
  if (paths.length) await sh('cp', ['-a', '--', ...paths, dest]);
}

/** Paths in a host directory, in name order, that `keep` takes (given the name and its lstat). */
async function hostEntries(dir: string, keep: (name: string, st: Stats) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) if (keep(name, await lstat(join(dir, name)))) out.push(join(dir, name));
  return out;
}

/**
 * The base tree, written into `root`: the host's files and every oddity of the issue. Host files
 * that others cannot read (shadow, private keys) are pruned from the copy before any layer is
 * written: no secret of the machine goes into an image, even one on a loopback registry.
 */
async function buildBase(root: string): Promise<void> {
  await sh('cp', ['-a', '/etc', join(root, 'etc')]);
  await sh('find', [join(root, 'etc'), '-mindepth', '1', '!', '-type', 'l', '!', '-perm', '-o=r', '-prune', '-exec', 'rm', '-rf', '--', '{}', '+']);
  await copyInto(join(root, 'usr/share'), ['/usr/share/zoneinfo']);
  let small = 0;
  const bins = await hostEntries('/usr/bin', (_n, st) => {
    if (st.isFile() && (st.mode & 0o6000) !== 0) return true;
    if (!(st.isFile() || st.isSymbolicLink()) || st.size > USR_BIN_MAX_BYTES || small >= USR_BIN_FILES) return false;
    small++;
    return true;
  });
  await copyInto(join(root, 'usr/bin'), bins);
  await copyInto(join(root, LIB_DIR.slice(1)), await hostEntries(LIB_DIR, (n) => LIBS.test(n)));
  // merged /usr, as Debian has it
  await symlink('usr/lib', join(root, 'lib'));
  await symlink('usr/bin', join(root, 'bin'));

  const odd = join(root, 'odd');
  await mkdir(join(odd, 'hl'), { recursive: true });
  await mkdir(join(odd, 'other'));
  // a capability, as ping and gst-ptp-helper have
  await sh('cp', ['-a', '/usr/bin/true', join(odd, 'ping')]);
  await sh('setcap', ['cap_net_raw+ep', join(odd, 'ping')]);
  // hard links: three names across two directories
  await writeFile(join(odd, 'hl/a'), 'linked three times\n');
  await link(join(odd, 'hl/a'), join(odd, 'hl/b'));
  await link(join(odd, 'hl/a'), join(odd, 'other/c'));
  // names that are not valid UTF-8, differing only in the invalid byte
  await writeFile(bytePath(root, 'odd', Buffer.from('name-\xff', 'latin1')), 'ff\n');
  await writeFile(bytePath(root, 'odd', Buffer.from('name-\xfe', 'latin1')), 'fe\n');
  // a long name: a 120-byte directory and a 154-byte file name, 284 bytes in all
  const longDir = join(odd, 'long', 'd'.repeat(120));
  await mkdir(longDir, { recursive: true });
  await writeFile(join(longDir, `${'f'.repeat(150)}.txt`), 'long\n');
  // sparse files: a hole at the start, in the middle, at the end
  const block = join(odd, 'block');
  await writeFile(block, 'x'.repeat(4096));
  await sh('dd', [`if=${block}`, `of=${join(odd, 'sparse-start')}`, 'bs=4096', 'seek=256', 'status=none']);
  await sh('dd', [`if=${block}`, `of=${join(odd, 'sparse-middle')}`, 'bs=4096', 'status=none']);
  await sh('dd', [`if=${block}`, `of=${join(odd, 'sparse-middle')}`, 'bs=4096', 'seek=256', 'conv=notrunc', 'status=none']);
  await sh('dd', [`if=${block}`, `of=${join(odd, 'sparse-end')}`, 'bs=4096', 'status=none']);
  await sh('truncate', ['-s', '1M', join(odd, 'sparse-end')]);
  // xattrs with binary values
  await writeFile(join(odd, 'xattr'), 'attributes\n');
  await sh('setfattr', ['-n', 'user.binary', '-v', '0x00ff0a7f80', join(odd, 'xattr')]);
  await sh('setfattr', ['-n', 'trusted.fidelity', '-v', '0x01', join(odd, 'xattr')]);
  // special files
  await sh('mkfifo', [join(odd, 'fifo')]);
  await sh('mknod', [join(odd, 'null'), 'c', '1', '3']);
  await sh('mknod', [join(odd, 'loop9'), 'b', '7', '9']);
  // an owner past the ustar field
  await writeFile(join(odd, 'big-uid'), 'owned by 3000000\n');
  await chown(join(odd, 'big-uid'), 3_000_000, 3_000_001);
  // directories a lower layer owns that upper layers write into without listing them
  await mkdir(join(root, 'srv/private'), { recursive: true });
  await writeFile(join(root, 'srv/private/data'), 'private\n');
  await chown(join(root, 'srv/private'), 1000, 1000);
  await chmod(join(root, 'srv/private'), 0o750);
  await mkdir(join(root, 'srv/shared'));
  await writeFile(join(root, 'srv/shared/doc'), 'shared\n');
  await chown(join(root, 'srv/shared'), 0, 1000);
  await chmod(join(root, 'srv/shared'), 0o2775);
  await sh('setfattr', ['-n', 'user.shared', '-v', '0x02fe', join(root, 'srv/shared')]); // a directory's xattrs, kept under an upper layer too
  await mkdir(join(root, 'tmp'));
  await writeFile(join(root, 'tmp/note'), 'note\n');
  await chmod(join(root, 'tmp'), 0o1777);
  // directories the upper layers replace or delete
  for (const d of ['opt/app/sub', 'opt/keep', 'var/cache/old/deeper', 'var/cache/gone-dir']) await mkdir(join(root, d), { recursive: true });
  for (const f of ['opt/app/run', 'opt/app/sub/lib', 'opt/keep/old', 'var/cache/old/a', 'var/cache/old/deeper/b', 'var/cache/gone.txt', 'var/cache/gone-dir/c'])
    await writeFile(join(root, f), `${f}\n`);
  // times: negative, fractional, beyond 2038 (on a symlink too), then the directories' own
  await writeFile(join(odd, 't-negative'), 'before 1970\n');
  await touch(join(odd, 't-negative'), '@-86400.25');
  await writeFile(join(odd, 't-fraction'), 'fraction\n');
  await touch(join(odd, 't-fraction'), '@1600000000.123456789');
  await writeFile(join(odd, 't-2100'), 'after 2038\n');
  await touch(join(odd, 't-2100'), '@4102444800.5');
  await symlink('t-2100', join(odd, 't-link'));
  await touch(join(odd, 't-link'), '@4102444801');
  await lutimes(bytePath(root, 'odd', Buffer.from('name-\xfe', 'latin1')), new Date(-1_000_000_000), new Date(-1_000_000_000));
  for (const d of ['odd/hl', 'srv/private', 'srv/shared', 'tmp', 'opt/app', 'var/cache'])
    await touch(join(root, d), '@1500000000.5');
}

/** Changes for umoci's second layer: in place under lower directories, deleted files and directories. */
async function changeForUmoci(rootfs: string): Promise<void> {
  // Written in place: the directories' own entries are unchanged, so umoci lists only the files.
  await writeFile(join(rootfs, 'srv/private/data'), 'private, changed\n');
  await writeFile(join(rootfs, 'srv/shared/doc'), 'shared, changed\n');
  await writeFile(join(rootfs, 'tmp/note'), 'note, changed\n');
  // Deleted: a file, a directory with content, a real zoneinfo directory.
  await rm(join(rootfs, 'var/cache/gone.txt'));
  await rm(join(rootfs, 'var/cache/gone-dir'), { recursive: true });
  await rm(join(rootfs, 'usr/share/zoneinfo/Antarctica'), { recursive: true });
}

/**
 * umoci's third layer: a non-empty directory replaced by a symlink, another by a file; umoci
 * writes the old children's whiteouts under the new entries.
 */
async function replaceForUmoci(rootfs: string): Promise<void> {
  await rm(join(rootfs, 'opt/app'), { recursive: true });
  await symlink('../usr/share/zoneinfo', join(rootfs, 'opt/app'));
  await rm(join(rootfs, 'var/cache/old'), { recursive: true });
  await writeFile(join(rootfs, 'var/cache/old'), 'a file now\n');
  for (const d of ['opt', 'var/cache']) await touch(join(rootfs, d), '@1500000000.5');
}

/**
 * GNU tar's second layer (PAX): files under lower directories it does not list, whiteouts (a
 * file, a directory), an opaque directory, and `lib/x` where the lower layer has `lib -> usr/lib`.
 */
async function posixLayer(stage: string, tarPath: string): Promise<void> {
  const members: Array<[string, string]> = [
    ['srv/private/data', 'private, from tar\n'],
    ['srv/shared/added', 'added by tar\n'],
    ['tmp/added', 'added by tar\n'],
    ['var/cache/.wh.gone.txt', ''],
    ['var/cache/.wh.gone-dir', ''],
    ['usr/share/zoneinfo/.wh.Antarctica', ''],
    ['opt/keep/.wh..wh..opq', ''],
    ['opt/keep/fresh', 'after the opaque whiteout\n'],
    ['lib/x', 'through lib -> usr/lib\n'],
  ];
  for (const [p, content] of members) {
    await mkdir(join(stage, p, '..'), { recursive: true });
    await writeFile(join(stage, p), content);
    await touch(join(stage, p), '@1700000000.25');
  }
  await sh('tar', ['--format=posix', '--sparse', '--xattrs', "--xattrs-include=*", '--numeric-owner', '--no-recursion', '-C', stage, '-cf', tarPath, '--', ...members.map(([p]) => p)]);
}

/** GNU tar's third layer in GNU format: a negative time (base-256) and a file under an unlisted `odd`. */
async function gnuLayer(stage: string, tarPath: string): Promise<void> {
  await mkdir(join(stage, 'odd'), { recursive: true });
  await writeFile(join(stage, 'odd/t-gnu-negative'), 'base-256 time\n');
  await touch(join(stage, 'odd/t-gnu-negative'), '@-1234567890');
  await writeFile(join(stage, 'odd/gnu-file'), 'from a GNU-format layer\n');
  await touch(join(stage, 'odd/gnu-file'), '@1700000000');
  await sh('tar', ['--format=gnu', '--numeric-owner', '--no-recursion', '-C', stage, '-cf', tarPath, '--', 'odd/t-gnu-negative', 'odd/gnu-file']);
}

/** A layer with one PAX sparse file of the given format version (0.0, 0.1; 1.0 is in the base layer), under an unlisted `odd`. */
async function paxSparseLayer(stage: string, tarPath: string, version: string): Promise<void> {
  const name = `odd/sparse-${version}`;
  await mkdir(join(stage, 'odd'), { recursive: true });
  await writeFile(join(stage, 'odd/block'), version.repeat(1024));
  await sh('dd', [`if=${join(stage, 'odd/block')}`, `of=${join(stage, name)}`, 'bs=4096', 'seek=100', 'status=none']);
  await sh('dd', [`if=${join(stage, 'odd/block')}`, `of=${join(stage, name)}`, 'bs=4096', 'seek=400', 'conv=notrunc', 'status=none']);
  await sh('truncate', ['-s', '3M', join(stage, name)]);
  await touch(join(stage, name), '@1700000000');
  await sh('tar', ['--format=posix', '--sparse', `--sparse-version=${version}`, '--numeric-owner', '--no-recursion', '-C', stage, '-cf', tarPath, '--', name]);
}

/**
 * A layer of GNU 'S' (old GNU sparse) entries: umoci 0.4.7 and containerd (Go's archive/tar
 * hands them on as TypeGNUSparse) refuse it, so GNU tar's own extraction is the reference.
 */
async function gnuSparseLayer(stage: string, tarPath: string): Promise<void> {
  await mkdir(join(stage, 'odd'), { recursive: true });
  await writeFile(join(stage, 'odd/block'), 'y'.repeat(4096));
  await sh('dd', [`if=${join(stage, 'odd/block')}`, `of=${join(stage, 'odd/sparse-gnu')}`, 'bs=4096', 'seek=300', 'status=none']);
  await sh('truncate', ['-s', '2M', join(stage, 'odd/sparse-gnu')]);
  await touch(join(stage, 'odd/sparse-gnu'), '@1700000000');
  await touch(join(stage, 'odd'), '@1700000000');
  await sh('tar', ['--format=gnu', '--sparse', '--numeric-owner', '--no-recursion', '-C', stage, '-cf', tarPath, '--', 'odd', 'odd/sparse-gnu']);
}

/** Top-level names of a directory, for a tar member list. */
const topNames = async (dir: string) => (await readdir(dir)).sort();

/** At most `n` lines of a diff, then how many more. */
function shown(lines: string[], n = 2000): string {
  return [...lines.slice(0, n), ...(lines.length > n ? [`... and ${lines.length - n} more`] : [])].join('\n');
}

describe('end to end: layer fidelity against umoci unpack, on real trees', function () {
  this.timeout(240_000);
  let registry: RunningRegistry;
  let work: string;
  let store: string;
  const layout = () => join(work, 'layout');

  before(async () => {
    registry = await startRegistry();
    work = await mkdtemp(join(tmpdir(), 'ctrimg-fidelity-'));
    store = join(work, 'store');
    await mkdir(store);
    const oci = layout();
    await sh('umoci', ['init', '--layout', oci]);

    // umoci: the base tree in one layer, the changes in a second.
    const bundle = join(work, 'umoci-bundle');
    await sh('umoci', ['new', '--image', `${oci}:umoci`]);
    await sh('umoci', ['unpack', '--image', `${oci}:umoci`, bundle]);
    const rootfs = join(bundle, 'rootfs');
    await buildBase(rootfs);
    await sh('umoci', ['repack', '--refresh-bundle', '--image', `${oci}:umoci`, bundle]);
    // The same base tree for GNU tar, before umoci's changes.
    const baseTar = join(work, 'base.tar');
    await sh('tar', ['--format=posix', '--sparse', '--xattrs', "--xattrs-include=*", '--numeric-owner', '-C', rootfs, '-cf', baseTar, '--', ...(await topNames(rootfs))]);
    await changeForUmoci(rootfs);
    await sh('umoci', ['repack', '--refresh-bundle', '--image', `${oci}:umoci`, bundle]);
    // The same two layers and a third that replaces directories, as its own image, so that a
    // refusal of it leaves the comparison of the first two standing.
    await replaceForUmoci(rootfs);
    await sh('umoci', ['repack', '--image', `${oci}:umoci-replace`, bundle]);

    // GNU tar: five layers (base, PAX changes, GNU format, PAX sparse 0.0 and 0.1), added as they are.
    const posixTar = join(work, 'posix.tar');
    await posixLayer(join(work, 'posix-stage'), posixTar);
    const gnuTar = join(work, 'gnu.tar');
    await gnuLayer(join(work, 'gnu-stage'), gnuTar);
    const paxSparse: string[] = [];
    for (const version of ['0.0', '0.1']) {
      paxSparse.push(join(work, `pax-sparse-${version}.tar`));
      await paxSparseLayer(join(work, `pax-sparse-${version}-stage`), paxSparse.at(-1)!, version);
    }
    await sh('umoci', ['new', '--image', `${oci}:tar`]);
    for (const t of [baseTar, posixTar, gnuTar, ...paxSparse]) await sh('umoci', ['raw', 'add-layer', '--image', `${oci}:tar`, t]);
    const sparseTar = join(work, 'gnu-sparse.tar');
    await gnuSparseLayer(join(work, 'gnu-sparse-stage'), sparseTar);
    await sh('umoci', ['new', '--image', `${oci}:gnu-sparse`]);
    await sh('umoci', ['raw', 'add-layer', '--image', `${oci}:gnu-sparse`, sparseTar]);

    for (const tag of ['umoci', 'umoci-replace', 'tar', 'gnu-sparse']) await skopeoPush(oci, tag, registry.host, `fidelity/${tag}`);
  });
  after(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Installs `fidelity/<tag>` from the registry and creates a container of it; its tree's path. */
  async function ctrimgTree(tag: string): Promise<string> {
    const r = await ctrimg(store, ['Install-ContainerImage', '-Reference', `${registry.host}/fidelity/${tag}:${tag}`, '-Insecure']);
    assert.equal(r.code, 0, `Install-ContainerImage of the ${tag}-written image failed: ${r.stderr}`);
    await ctrimgJson(store, ['New-Container', '-ContainerImageName', tag, '-Name', `fidelity-${tag}`]);
    const [c] = (await ctrimgJson(store, ['Get-Container', '-Name', `fidelity-${tag}`])) as Array<{ Path: string }>;
    return c!.Path;
  }

  /** umoci's own unpack of the same image from the layout (as root: owners, devices, xattrs kept). */
  async function umociTree(tag: string): Promise<string> {
    const bundle = join(work, `unpacked-${tag}`);
    await sh('umoci', ['unpack', '--image', `${layout()}:${tag}`, bundle]);
    return join(bundle, 'rootfs');
  }

  // The root's own mtime: containerd skips an entry that resolves to the root (archive.Apply:
  // "file ignored: resolved to root"), umoci applies umoci's '.' entries to its rootfs, and the
  // tar-written layers list no '.' at all (GNU tar -x's target is made here). The peers
  // disagree, so it is not compared.
  const ROOT_ITSELF: Ignore[] = [{ path: '', fields: ['mtime'], why: "containerd ignores '.', umoci applies it" }];

  const IMAGES: Array<[string, string]> = [
    ['umoci', 'umoci: the base tree, then files changed under unlisted lower directories and deletions'],
    ['umoci-replace', 'umoci: the same, then non-empty directories replaced by a symlink and a file'],
    ['tar', 'GNU tar: the base tree (PAX, sparse 1.0, xattrs), unlisted parents, whiteouts, opaque, lib/x through lib -> usr/lib, a GNU-format layer, PAX sparse 0.0 and 0.1'],
  ];
  for (const [tag, what] of IMAGES) {
    it(`gives the tree umoci unpacks, entry by entry: ${what}`, async () => {
      const want = await umociTree(tag);
      const got = await ctrimgTree(tag);
      const lines = await diffDirs(got, want, { labels: ['ctrimg', 'umoci'], ignore: ROOT_ITSELF });
      assert.ok(lines.length === 0, `${lines.length} differences, ctrimg's container against umoci unpack:\n${shown(lines)}`);
    });
  }

  it("expands GNU 'S' sparse entries as GNU tar does, or refuses them in one line (umoci refuses them)", async () => {
    const refused = await sh('umoci', ['unpack', '--image', `${layout()}:gnu-sparse`, join(work, 'unpacked-gnu-sparse')]).then(
      () => '',
      (e: Error) => e.message,
    );
    assert.match(refused, /unknown typeflag/, 'umoci now unpacks GNU sparse entries: compare with it instead');
    const r = await ctrimg(store, ['Install-ContainerImage', '-Reference', `${registry.host}/fidelity/gnu-sparse:gnu-sparse`, '-Insecure']);
    if (r.code !== 0) {
      assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('Install-ContainerImage:')).length, 1, r.stderr);
      const line = r.stderr.split('\n').find((l) => l.startsWith('Install-ContainerImage:'))!;
      assert.match(line, /odd\/sparse-gnu.*sparse|sparse.*odd\/sparse-gnu/i, `the refusal names the entry and says it is a sparse file: ${line}`);
      return;
    }
    await ctrimgJson(store, ['New-Container', '-ContainerImageName', 'gnu-sparse', '-Name', 'fidelity-gnu-sparse']);
    const [c] = (await ctrimgJson(store, ['Get-Container', '-Name', 'fidelity-gnu-sparse'])) as Array<{ Path: string }>;
    const want = join(work, 'extracted-gnu-sparse');
    await mkdir(want);
    await sh('tar', ['-x', '--numeric-owner', '--same-owner', '--same-permissions', '-C', want, '-f', join(work, 'gnu-sparse.tar')]);
    const lines = await diffDirs(c!.Path, want, { labels: ['ctrimg', 'GNU tar -x'], ignore: ROOT_ITSELF });
    assert.ok(lines.length === 0, `${lines.length} differences, ctrimg's container against GNU tar -x:\n${shown(lines)}`);
  });
});

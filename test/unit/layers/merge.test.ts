/**
 * mergeLayers keeps what a plain directory holds besides names and bytes: extended attributes
 * (security.capability included), fifos and device nodes, times to the microsecond, owners and
 * setuid bits, and names that are not UTF-8, through whiteouts too.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { mergeLayers } from '../../../src/layers/merge.js';
import { setMeta } from '../../../src/layers/meta.js';
import { SpecialFiles } from '../../../src/layers/special-files.js';
import { readXattrs, XattrBatch } from '../../../src/layers/xattrs.js';
import { tempRoot } from '../../support/tars.js';

const noRoomCheck = async () => {};
const statOf = (format: string, path: string) => execFileSync('stat', ['-c', format, path], { encoding: 'utf8' }).trim();
/** A name that is not UTF-8, as a byte string, and the Buffer path of it under `dir`. */
const ODD = 'caf\xe9\xff';
const oddPath = (dir: string, name = ODD) => Buffer.concat([Buffer.from(`${dir}/`), Buffer.from(name, 'latin1')]);

describe('layers/merge', function () {
  this.timeout(30_000);
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ root, cleanup } = await tempRoot()));
  afterEach(() => cleanup());

  /** A base layer with one of each thing, and a layer above it that whites out and replaces some. */
  async function layers(): Promise<{ base: string; upper: string }> {
    const base = join(root, 'base');
    const upper = join(root, 'upper');
    for (const d of ['bin', 'etc', 'dev', 'run']) mkdirSync(join(base, d), { recursive: true });
    writeFileSync(join(base, 'bin/ping'), 'ping');
    execFileSync('setcap', ['cap_net_raw+ep', join(base, 'bin/ping')]);
    writeFileSync(join(base, 'bin/su'), 'su');
    await chmod(join(base, 'bin/su'), 0o4755);
    writeFileSync(join(base, 'bin/a'), 'linked');
    linkSync(join(base, 'bin/a'), join(base, 'bin/b'));
    chownSync(join(base, 'etc'), 1000, 1000);
    await chmod(join(base, 'etc'), 0o2750);
    const batch = new XattrBatch();
    batch.add(join(base, 'etc'), new Map([['user.dir', Buffer.from('lower')], ['user.gone', Buffer.from('x')]]));
    batch.add(join(base, 'bin/su'), new Map([['trusted.bin', Buffer.from([0, 1, 2])]]));
    await batch.apply();
    const specials = new SpecialFiles(true);
    await specials.make(join(base, 'run/fifo'), 'fifo', 0o620);
    linkSync(join(base, 'run/fifo'), join(base, 'run/fifo2'));
    await specials.make(join(base, 'dev/null'), 'character-device', 0o666, 1, 3);
    await specials.make(join(base, 'dev/loop0'), 'block-device', 0o660, 7, 0);
    writeFileSync(oddPath(base), 'odd base');
    writeFileSync(oddPath(base, 'keep\xfe'), 'kept');
    symlinkSync(oddPath(base), oddPath(base, 'link\xfe'));
    await setMeta(join(base, 'etc'), { mode: 0o2750, uid: 1000, gid: 1000, mtime: { sec: -1, nsec: 999_999_999 } }, false);
    await setMeta(join(base, 'run/fifo'), { mode: 0o1620, uid: 7, gid: 8, mtime: { sec: 4_102_444_800, nsec: 123_456_789 } }, false);
    await setMeta(oddPath(base, 'link\xfe'), { uid: 5, gid: 6, mtime: { sec: -86_400, nsec: 500_000_000 } }, true);

    mkdirSync(join(upper, 'etc'), { recursive: true });
    writeFileSync(join(upper, 'etc/new'), 'new');
    writeFileSync(oddPath(upper, `.wh.${ODD}`), '');
    writeFileSync(oddPath(upper, 'up\xfe'), 'upper odd');
    const upperBatch = new XattrBatch();
    upperBatch.add(join(upper, 'etc'), new Map([['user.dir', Buffer.from('upper')]]));
    await upperBatch.apply();
    await chmod(join(upper, 'etc'), 0o755);
    return { base, upper };
  }

  it('as root: keeps xattrs and capabilities, special files, owners, setuid bits, times and byte names', async () => {
    const { base, upper } = await layers();
    const out = join(root, 'out');
    await mkdir(out);
    const warnings: string[] = [];
    await mergeLayers(out, [base, upper], noRoomCheck, { warn: (m) => warnings.push(m), isRoot: true });
    assert.deepEqual(warnings, []);

    assert.match(execFileSync('getcap', [join(out, 'bin/ping')], { encoding: 'utf8' }), /cap_net_raw[=+]ep/);
    assert.equal(statOf('%a %u:%g', join(out, 'bin/su')), '4755 0:0');
    assert.deepEqual(await readXattrs(join(out, 'bin/su')), new Map([['trusted.bin', Buffer.from([0, 1, 2])]]));
    // The upper layer's directory shows its own attributes (user.gone is not kept), the base's mode is replaced.
    assert.deepEqual(await readXattrs(join(out, 'etc')), new Map([['user.dir', Buffer.from('upper')]]));
    assert.equal(statOf('%a', join(out, 'etc')), '755');
    assert.equal(readFileSync(join(out, 'etc/new'), 'utf8'), 'new');

    assert.equal(statOf('%F %a %u:%g %.9Y', join(out, 'run/fifo')), 'fifo 1620 7:8 4102444800.123456000');
    assert.equal(statOf('%F %t:%T %a', join(out, 'dev/null')), 'character special file 1:3 666');
    assert.equal(statOf('%F %t:%T %a', join(out, 'dev/loop0')), 'block special file 7:0 660');
    assert.equal(lstatSync(join(out, 'bin/a')).ino, lstatSync(join(out, 'bin/b')).ino, 'hard links stay one file');
    assert.equal(lstatSync(join(out, 'run/fifo')).ino, lstatSync(join(out, 'run/fifo2')).ino, 'a fifo too');

    const names = readdirSync(Buffer.from(out), { encoding: 'buffer' }).map((b) => b.toString('latin1')).sort();
    assert.deepEqual(names, ['bin', 'dev', 'etc', 'keep\xfe', 'link\xfe', 'run', 'up\xfe'], 'the whiteout took the odd name, nothing else');
    assert.equal(readFileSync(oddPath(out, 'keep\xfe'), 'utf8'), 'kept');
    assert.equal(readFileSync(oddPath(out, 'up\xfe'), 'utf8'), 'upper odd');
    const link = lstatSync(oddPath(out, 'link\xfe'), { bigint: true });
    assert.ok(link.isSymbolicLink());
    assert.equal(`${link.uid}:${link.gid} ${link.mtimeNs}`, '5:6 -86399500000000');
  });

  it('a directory time before 1970 survives (set after its children); layers given as relative paths', async () => {
    const { base } = await layers();
    const out = join(root, 'out');
    await mkdir(out);
    await mergeLayers(relative(process.cwd(), out), [relative(process.cwd(), base)], noRoomCheck, { isRoot: true });
    assert.match(execFileSync('getcap', [join(out, 'bin/ping')], { encoding: 'utf8' }), /cap_net_raw[=+]ep/);
    assert.equal(statOf('%.9Y %a %u:%g', join(out, 'etc')), '-0.000001000 2750 1000:1000');
  });

  it('a directory an upper layer replaces by a symlink out of the root: nothing outside is chowned, chmodded or retimed', async () => {
    // The lower layer's directory a/b is remembered for its metadata; the upper layer makes `a`
    // a symlink to a directory outside the container that also has a `b`.
    const outside = join(root, 'outside');
    mkdirSync(join(outside, 'b'), { recursive: true });
    await setMeta(join(outside, 'b'), { mode: 0o755, uid: 0, gid: 0, mtime: { sec: 1_000_000_000, nsec: 0 } }, false);
    const base = join(root, 'base');
    const upper = join(root, 'upper');
    mkdirSync(join(base, 'a/b'), { recursive: true });
    await setMeta(join(base, 'a/b'), { mode: 0o777, uid: 4242, gid: 4242, mtime: { sec: 86_400, nsec: 0 } }, false);
    mkdirSync(upper);
    symlinkSync(outside, join(upper, 'a'));
    const out = join(root, 'out');
    await mkdir(out);
    await mergeLayers(out, [base, upper], noRoomCheck, { isRoot: true });
    assert.equal(statOf('%a %u:%g %Y', join(outside, 'b')), '755 0:0 1000000000');
    assert.equal(lstatSync(join(out, 'a')).isSymbolicLink(), true);
  });

  it('a sparse file stays sparse (a 64 MiB hole is neither written nor charged as room), with its bytes and metadata', async () => {
    const layer = join(root, 'layer');
    mkdirSync(layer);
    const sparse = join(layer, 'lastlog');
    writeFileSync(sparse, 'head');
    execFileSync('truncate', ['-s', String(64 << 20), sparse]);
    execFileSync('sh', ['-c', 'printf tail >> "$1"', 'sh', sparse]);
    await setMeta(sparse, { mode: 0o640, uid: 0, gid: 43, mtime: { sec: 1_600_000_000, nsec: 0 } }, false);
    const out = join(root, 'out');
    await mkdir(out);
    let charged = 0;
    await mergeLayers(out, [layer], async (bytes) => void (charged += bytes), { isRoot: true });
    const copy = join(out, 'lastlog');
    const st = lstatSync(copy);
    assert.equal(st.size, (64 << 20) + 4);
    assert.ok(st.blocks * 512 < 1 << 20, `allocated ${st.blocks * 512} bytes`);
    assert.ok(charged < 1 << 20, `charged ${charged} bytes of room`);
    assert.equal(statOf('%a %u:%g %Y', copy), '640 0:43 1600000000');
    const bytes = readFileSync(copy);
    assert.equal(bytes.subarray(0, 4).toString(), 'head');
    assert.equal(bytes.subarray(-4).toString(), 'tail');
    assert.ok(bytes.subarray(4, -4).every((b) => b === 0));
  });

  it('without root: fifos made, device nodes skipped with one warning', async () => {
    const { base } = await layers();
    const out = join(root, 'out');
    await mkdir(out);
    const warnings: string[] = [];
    await mergeLayers(out, [base], noRoomCheck, { warn: (m) => warnings.push(m), isRoot: false });
    assert.equal(statOf('%F', join(out, 'run/fifo')), 'fifo');
    assert.deepEqual(readdirSync(join(out, 'dev')), []);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^skipped 2 device nodes, first .*\/dev\/(null|loop0): only root/);
  });
});

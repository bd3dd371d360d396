/**
 * Extended attributes through the attr tools: binary values (security.capability as setcap
 * writes it), names and paths that are not text, one warning for what the kernel refuses.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesOf, fsPath } from '../../../src/layers/byte-paths.js';
import { copyUpXattrs, readXattrs, readXattrTree, XattrBatch } from '../../../src/layers/xattrs.js';
import { tempRoot } from '../../support/tars.js';

/** The capability bytes setcap writes for `caps` (the oracle: libcap2-bin, not ctrimg). */
function capabilityBytes(dir: string, caps: string): Buffer {
  const probe = join(dir, 'probe');
  writeFileSync(probe, '');
  execFileSync('setcap', [caps, probe]);
  const dump = execFileSync('getfattr', ['-n', 'security.capability', '-e', 'hex', '--absolute-names', probe], { encoding: 'utf8' });
  return Buffer.from(/^security\.capability=0x([0-9a-f]+)$/m.exec(dump)![1]!, 'hex');
}

describe('layers/xattrs', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ root, cleanup } = await tempRoot()));
  afterEach(() => cleanup());

  it('sets binary values on files and directories in one batch, as getcap and getfattr read them', async () => {
    const cap = capabilityBytes(root, 'cap_net_raw+ep');
    assert.ok(cap.length >= 20, 'a VFS capability');
    writeFileSync(join(root, 'ping'), '');
    mkdirSync(join(root, 'd'));
    const batch = new XattrBatch();
    batch.add(bytesOf(join(root, 'ping')), new Map([['security.capability', cap], ['user.bin', Buffer.from([0, 10, 0xff, 0x3d])]]));
    batch.add(bytesOf(join(root, 'd')), new Map([['user.dir', Buffer.from('on a dir')], ['trusted.t', Buffer.alloc(0)]]));
    assert.equal(batch.size, 2);
    const warnings: string[] = [];
    await batch.apply((m) => warnings.push(m));
    assert.deepEqual(warnings, []);
    assert.match(execFileSync('getcap', [join(root, 'ping')], { encoding: 'utf8' }), /cap_net_raw[=+]ep/);
    const ping = await readXattrs(bytesOf(join(root, 'ping')));
    assert.deepEqual(ping.get('security.capability'), cap);
    assert.deepEqual(ping.get('user.bin'), Buffer.from([0, 10, 0xff, 0x3d]));
    const d = await readXattrs(bytesOf(join(root, 'd')));
    assert.deepEqual([...d.entries()].sort(), [['trusted.t', Buffer.alloc(0)], ['user.dir', Buffer.from('on a dir')]]);
  });

  it('handles paths and names that are not text (newline, `=`, `\\`, bytes that are not UTF-8)', async () => {
    const odd = `${bytesOf(root)}/a\n=\\\xff\xfe`;
    writeFileSync(fsPath(odd), '');
    const batch = new XattrBatch();
    batch.add(odd, new Map([['user.x=y\\z\n', Buffer.from('v')]]));
    await batch.apply();
    const tree = await readXattrTree(bytesOf(root));
    assert.deepEqual([...tree.keys()], [odd]);
    assert.deepEqual(tree.get(odd), new Map([['user.x=y\\z\n', Buffer.from('v')]]));
  });

  it('takes attribute names as byte strings, as tar headers give them: a name that is not UTF-8 is set and read byte for byte', async () => {
    const file = `${bytesOf(root)}/f`;
    writeFileSync(fsPath(file), '');
    const name = 'user.caf\xe9\xff';
    const batch = new XattrBatch();
    batch.add(file, new Map([[name, Buffer.from('v')]]));
    await batch.apply();
    // getfattr's dump (read as latin1: a char per byte) shows the name's bytes, raw or as octal escapes.
    const dump = execFileSync('getfattr', ['-d', '-m', '-', '--absolute-names', fsPath(file).toString()], { encoding: 'latin1' });
    assert.match(dump, /^user\.caf(\xe9\xff|\\351\\377)="v"$/m);
    assert.deepEqual(await readXattrs(file), new Map([[name, Buffer.from('v')]]));
  });

  it('drops what the kernel refuses (EPERM: user.* on symlinks; ENOTSUP: an unknown namespace) with one warning naming the count and the first', async () => {
    writeFileSync(join(root, 'target'), '');
    symlinkSync('target', join(root, 'l1'));
    symlinkSync('target', join(root, 'l2'));
    const batch = new XattrBatch();
    batch.add(bytesOf(join(root, 'l1')), new Map([['user.a', Buffer.from('1')]]));
    batch.add(bytesOf(join(root, 'l2')), new Map([['user.b', Buffer.from('2')]]));
    batch.add(bytesOf(join(root, 'target')), new Map([['user.c', Buffer.from('3')], ['foreign.ns', Buffer.from('4')]]));
    const warnings: string[] = [];
    await batch.apply((m) => warnings.push(m));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^dropped 3 extended attributes the file system refused, first: .*\/l1: Operation not permitted$/);
    // The symlinks were not followed, and the rest of the batch was applied.
    assert.deepEqual(await readXattrs(bytesOf(join(root, 'target'))), new Map([['user.c', Buffer.from('3')]]));
  });

  it('fails on anything else (a path that is gone), naming it', async () => {
    const batch = new XattrBatch();
    batch.add(bytesOf(join(root, 'gone')), new Map([['user.a', Buffer.from('1')]]));
    await assert.rejects(batch.apply(), /could not set extended attributes: .*gone: No such file or directory/);
  });

  it('copies a lower directory\'s attributes onto the directory made for it (copy-up)', async () => {
    mkdirSync(join(root, 'lower'));
    mkdirSync(join(root, 'upper'));
    execFileSync('setfattr', ['-n', 'user.keep', '-v', '0x00ff', join(root, 'lower')]);
    const batch = new XattrBatch();
    await copyUpXattrs([[bytesOf(join(root, 'lower')), bytesOf(join(root, 'upper'))]], batch);
    await batch.apply();
    assert.deepEqual(await readXattrs(bytesOf(join(root, 'upper'))), new Map([['user.keep', Buffer.from([0, 0xff])]]));
  });

  it('copies up many directories in few runs, leaving one whose lower directory has none bare', async () => {
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < 300; i++) {
      mkdirSync(join(root, `lower${i}`));
      mkdirSync(join(root, `upper${i}`));
      pairs.push([bytesOf(join(root, `lower${i}`)), bytesOf(join(root, `upper${i}`))]);
    }
    execFileSync('setfattr', ['-n', 'user.first', '-v', '1', join(root, 'lower0')]);
    execFileSync('setfattr', ['-n', 'user.last', '-v', '2', join(root, 'lower299')]);
    const batch = new XattrBatch();
    await copyUpXattrs(pairs, batch);
    assert.equal(batch.size, 2, 'only the two directories with attributes are queued');
    await batch.apply();
    assert.deepEqual(await readXattrs(bytesOf(join(root, 'upper0'))), new Map([['user.first', Buffer.from('1')]]));
    assert.deepEqual(await readXattrs(bytesOf(join(root, 'upper299'))), new Map([['user.last', Buffer.from('2')]]));
    assert.equal((await readXattrs(bytesOf(join(root, 'upper1')))).size, 0);
  });

  it('copies up directories at long paths (a few hundred of 2000 bytes each) without passing the command line limit', async () => {
    // Seven components of 250 bytes: each path given to getfattr is near 2000 bytes long.
    const deep = join(root, ...Array.from({ length: 7 }, (_, i) => String(i).repeat(250)));
    mkdirSync(deep, { recursive: true });
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < 256; i++) {
      mkdirSync(join(deep, `lower${i}`));
      mkdirSync(join(root, `upper${i}`));
      pairs.push([bytesOf(join(deep, `lower${i}`)), bytesOf(join(root, `upper${i}`))]);
    }
    execFileSync('setfattr', ['-n', 'user.last', '-v', '2', join(deep, 'lower255')]);
    const batch = new XattrBatch();
    await copyUpXattrs(pairs, batch);
    await batch.apply();
    assert.deepEqual(await readXattrs(bytesOf(join(root, 'upper255'))), new Map([['user.last', Buffer.from('2')]]));
  });
});

/** SpecialFiles: fifos and device nodes made with their numbers and mode, devices skipped without root. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { bytesOf, fsPath } from '../../../src/layers/byte-paths.js';
import { SpecialFiles } from '../../../src/layers/special-files.js';
import { tempRoot } from '../../support/tars.js';

/** Type, major and minor (hex, as stat prints them) and permission bits. */
const statOf = (path: string) => execFileSync('stat', ['-c', '%F %t:%T %a', path], { encoding: 'utf8' }).trim();

/** glibc's makedev(): 12 bits of major and 20 of minor in the classic places, the rest above. */
const makedev = (major: bigint, minor: bigint) =>
  (minor & 0xffn) | ((major & 0xfffn) << 8n) | ((minor & ~0xffn) << 12n) | ((major & ~0xfffn) << 32n);

describe('layers/special-files', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ root, cleanup } = await tempRoot()));
  afterEach(() => cleanup());

  it('as root: makes fifos and character and block devices with their numbers and permission bits', async () => {
    const specials = new SpecialFiles(true);
    const warnings: string[] = [];
    assert.equal(await specials.make(bytesOf(join(root, 'fifo')), 'fifo', 0o640), true);
    assert.equal(await specials.make(bytesOf(join(root, 'null')), 'character-device', 0o666, 1, 3), true);
    assert.equal(await specials.make(bytesOf(join(root, 'loop0')), 'block-device', 0o660, 7, 0), true);
    // A major and minor beyond 8 bits each (the new encoding), and a name that is not UTF-8.
    const odd = `${bytesOf(root)}/dev\xff`;
    assert.equal(await specials.make(odd, 'character-device', 0o600, 300, 70000), true);
    specials.finish((m) => warnings.push(m));
    assert.equal(statOf(join(root, 'fifo')), 'fifo 0:0 640');
    assert.equal(statOf(join(root, 'null')), 'character special file 1:3 666');
    assert.equal(statOf(join(root, 'loop0')), 'block special file 7:0 660');
    const st = lstatSync(fsPath(odd), { bigint: true });
    assert.ok(st.isCharacterDevice());
    assert.equal(st.rdev, makedev(300n, 70000n));
    assert.deepEqual(warnings, []);
  });

  it('without root: still makes fifos, skips device nodes with one warning naming the count and the first', async () => {
    const specials = new SpecialFiles(false);
    const warnings: string[] = [];
    assert.equal(await specials.make(bytesOf(join(root, 'fifo')), 'fifo', 0o600), true);
    assert.equal(await specials.make(bytesOf(join(root, 'null')), 'character-device', 0o666, 1, 3), false);
    assert.equal(await specials.make(bytesOf(join(root, 'sda')), 'block-device', 0o660, 8, 0), false);
    specials.finish((m) => warnings.push(m));
    assert.equal(statOf(join(root, 'fifo')), 'fifo 0:0 600');
    assert.equal(existsSync(join(root, 'null')), false);
    assert.equal(existsSync(join(root, 'sda')), false);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^skipped 2 device nodes, first .*\/null: only root/);
  });
});

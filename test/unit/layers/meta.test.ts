/** setMeta: owner, then mode (setuid kept), then times, the access time never before the modification time. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setMeta } from '../../../src/layers/meta.js';
import { tempRoot } from '../../support/tars.js';

const statOf = (format: string, path: string) => execFileSync('stat', ['-c', format, path], { encoding: 'utf8' }).trim();

describe('layers/meta', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ root, cleanup } = await tempRoot()));
  afterEach(() => cleanup());

  it('sets owner, setuid mode and nanosecond-given times; an earlier access time becomes the modification time (containerd)', async () => {
    const file = join(root, 'f');
    await writeFile(file, '');
    const mtime = { sec: -100, nsec: 250_000_000 };
    await setMeta(file, { uid: 3_000_000, gid: 42, mode: 0o4711, mtime, atime: { sec: -200, nsec: 0 } }, false);
    assert.equal(statOf('%u:%g %a %.9Y %.9X', file), '3000000:42 4711 -99.750000000 -99.750000000');
    await setMeta(file, { uid: 3_000_000, gid: 42, mode: 0o4711, mtime, atime: { sec: 5_000_000_000, nsec: 7000 } }, false);
    assert.equal(statOf('%.9X', file), '5000000000.000007000');
  });
});

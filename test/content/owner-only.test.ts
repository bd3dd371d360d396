/** restrictToOwner: chmod 0700 on POSIX; on Windows, the exact icacls command that sets the ACL. */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restrictToOwner, type RunCommand } from '../../src/content/owner-only.js';
import { CtrimgError } from '../../src/errors.js';

describe('content/owner-only', () => {
  it('on Windows, leaves the root to Administrators and SYSTEM with icacls, inherited below, nothing inherited from above', async () => {
    const calls: Array<[string, string[]]> = [];
    const run: RunCommand = async (exe, args) => void calls.push([exe, args]);
    await restrictToOwner('C:\\ProgramData\\ctrimg', 'win32', run);
    assert.deepEqual(calls, [
      ['icacls', ['C:\\ProgramData\\ctrimg', '/inheritance:r', '/grant:r', '*S-1-5-32-544:(OI)(CI)F', '*S-1-5-18:(OI)(CI)F']],
    ]);
  });

  it('on Windows, fails in one line naming the root when icacls fails', async () => {
    const run: RunCommand = async () => Promise.reject(new Error('icacls exited with code 5: Access is denied.'));
    await assert.rejects(restrictToOwner('D:\\store', 'win32', run), (err: unknown) => {
      assert.ok(err instanceof CtrimgError);
      assert.equal(err.code, 'STORE_PERMISSIONS');
      assert.match(err.message, /^cannot make the store root D:\\store private to its owner: icacls exited with code 5: Access is denied\.$/);
      return true;
    });
  });

  it('on POSIX, sets 0700 on a root others can read or enter, and leaves a private one alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ctrimg-owner-'));
    try {
      await chmod(dir, 0o751);
      await restrictToOwner(dir, 'linux', async () => assert.fail('no command on POSIX'));
      assert.equal((await stat(dir)).mode & 0o777, 0o700);
      await chmod(dir, 0o500);
      await restrictToOwner(dir, 'linux');
      assert.equal((await stat(dir)).mode & 0o777, 0o500, 'a mode narrower than 0700 is the owner\'s choice');
    } finally {
      await chmod(dir, 0o700);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

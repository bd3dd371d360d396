/**
 * Owners of locks and leases: the process table's contract (the one platform-dependent part,
 * here the platform's own), and locks, leases and leftovers of a crashed owner whose pid now
 * belongs to a live, unrelated process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { describeOwner, formatOwner, isRunning, parseOwner, processes, self, windowsProcesses } from '../../../src/content/owner.js';
import type { RunSync } from '../../../src/programs.js';
import { acquirePidLock } from '../../../src/content/pid-lock.js';
import { holders, takeLease } from '../../../src/ops/leases.js';
import { findLeftovers } from '../../../src/ops/leftovers.js';
import { deadPid, livePid, reusedPid } from '../../support/processes.js';

describe('ProcessTable contract (this platform)', () => {
  // Two processes started in the same clock tick have the same start: an identity is only ever
  // compared with the one recorded for the same pid (a reused pid: the tests further down).
  it('gives a live process one identity, the same each time it is asked', async () => {
    const a = livePid();
    try {
      const id = processes.identity(a.pid);
      assert.ok(id && id.start !== '');
      assert.deepEqual(processes.identity(a.pid), id);
      assert.deepEqual(processes.identity(process.pid), { start: self().start, boot: self().boot });
    } finally {
      a.kill();
    }
  });

  it('gives none to a process that has exited, reaped or not', async () => {
    assert.equal(processes.identity(await deadPid()), undefined);
    // A zombie: `cat` is left to a parent that never reaps it. The shell execs sleep before cat
    // exits (once we close its input), so the shell cannot reap it either. Neither step has an
    // event to wait for; /proc is read until each shows, within a deadline.
    const sh = spawn('sh', ['-c', 'exec 3<&0; cat <&3 >/dev/null & echo $!; exec sleep 60'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const until = async (what: string, ok: () => Promise<boolean>) => {
      for (const deadline = Date.now() + 10_000; !(await ok()); await new Promise((r) => setImmediate(r))) {
        if (Date.now() > deadline) throw new Error(`no ${what} within 10 s`);
      }
    };
    try {
      const [line] = (await once(sh.stdout, 'data')) as [Buffer];
      const zombie = Number(line.toString().trim());
      await until('exec of sleep', async () => (await readFile(`/proc/${sh.pid}/comm`, 'latin1')).trim() === 'sleep');
      sh.stdin.end();
      await until('zombie', async () => / Z /.test(await readFile(`/proc/${zombie}/stat`, 'latin1')));
      assert.equal(processes.identity(zombie), undefined);
    } finally {
      sh.kill('SIGKILL');
    }
  });
});

describe('ProcessTable on Windows (through a stand-in for PowerShell)', () => {
  const ask = (pid: number) => ['-NoProfile', '-NonInteractive', '-Command', `(Get-Process -Id ${pid}).StartTime.ToFileTimeUtc()`];

  it("asks PowerShell for a live pid's creation time, and takes it as the identity", () => {
    const calls: Array<[string, string[]]> = [];
    const run: RunSync = (exe, args) => (calls.push([exe, args]), { status: 0, stdout: '134095776000000000\r\n' });
    const table = windowsProcesses(run, () => true);
    assert.deepEqual(table.identity(4321), { start: '134095776000000000' });
    assert.deepEqual(calls, [['powershell.exe', ask(4321)]]);
    assert.equal(isRunning({ pid: 4321, start: '134095776000000000' }, table), true);
    assert.equal(isRunning({ pid: 4321, start: '134095775999999999' }, table), false, 'the same pid started at another time is another process');
  });

  it('has no identity for a pid that does not exist (PowerShell is not asked), that exits meanwhile, or an answer that is not a time', () => {
    let asked = 0;
    const answer = (status: number | null, stdout: string): RunSync => () => (asked++, { status, stdout });
    assert.equal(windowsProcesses(answer(0, '1'), () => false).identity(7), undefined);
    assert.equal(asked, 0);
    assert.equal(windowsProcesses(answer(1, ''), () => true).identity(7), undefined);
    assert.equal(windowsProcesses(answer(0, 'Get-Process : Cannot find a process'), () => true).identity(7), undefined);
    assert.equal(windowsProcesses(answer(null, ''), () => true).identity(7), undefined);
  });
});

describe('owners of locks and leases', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'ctrimg-owner-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads records of older ctrimg that hold only a pid, and says who an owner is', async () => {
    assert.deepEqual(parseOwner('1234'), { pid: 1234 });
    assert.deepEqual(parseOwner('', 1234), { pid: 1234 }, 'an old lease is empty: its pid is in its name');
    assert.equal(parseOwner(''), undefined);
    assert.equal(parseOwner('0'), undefined);
    assert.deepEqual(parseOwner(formatOwner(self())), self());
    assert.equal(isRunning({ pid: await deadPid() }), false);
    const since = new Date(2026, 11, 2, 10, 2, 11).toISOString();
    assert.equal(describeOwner({ pid: 1234, command: 'Install-ContainerImage', since }), 'process 1234 (Install-ContainerImage, started 10:02:11)');
    assert.equal(describeOwner({ pid: 1234 }), 'process 1234');
  });

  it("a record of a crashed process is not running once its pid is another process's", async () => {
    const { owner, live } = await reusedPid();
    try {
      assert.equal(isRunning(owner), false);
      assert.equal(isRunning({ pid: owner.pid }), true, 'by the pid alone it looks alive: what made commands hang');
    } finally {
      live.kill();
    }
  });

  it('takes over at once a lock whose owner crashed and whose pid was reused, and a pid-only lock of a dead process', async () => {
    const { owner, live } = await reusedPid();
    try {
      const lock = join(dir, 'a.lock');
      await writeFile(lock, formatOwner(owner));
      let waited = false;
      const release = await acquirePidLock(lock, { signal: AbortSignal.timeout(5000), onWait: () => (waited = true) });
      assert.equal(waited, false, 'taken over at once, not waited for as a live holder');
      assert.deepEqual(parseOwner(await readFile(lock, 'utf8')), self());
      await release();
      await writeFile(lock, String(await deadPid()));
      await (await acquirePidLock(lock, { signal: AbortSignal.timeout(5000) }))();
    } finally {
      live.kill();
    }
  });

  it('waits for a live holder of a lock, telling once who it is', async () => {
    const other = livePid();
    const lock = join(dir, 'b.lock');
    const holder = { pid: other.pid, ...processes.identity(other.pid), command: 'Install-ContainerImage', since: new Date().toISOString() };
    await writeFile(lock, formatOwner(holder));
    const told: string[] = [];
    let waiting!: () => void;
    const waited = new Promise<void>((r) => (waiting = r));
    const taking = acquirePidLock(lock, {
      onWait: (o) => {
        told.push(describeOwner(o));
        waiting();
      },
    });
    try {
      await waited;
      other.kill();
      await (await taking)();
      assert.deepEqual(told, [describeOwner(holder)]);
    } finally {
      other.kill();
    }
  });

  it("neither a lease nor the leftovers of a crashed process count once its pid is another process's", async () => {
    const { owner, live } = await reusedPid();
    try {
      for (const d of ['leases', 'layers', 'ingest']) await mkdir(join(dir, d));
      await writeFile(join(dir, 'leases', `delete-${owner.pid}-1`), formatOwner(owner));
      await writeFile(join(dir, 'layers', `${'1'.repeat(64)}.lock`), formatOwner(owner));
      await mkdir(join(dir, 'layers', `.importing-${owner.pid}-0a0b-${'1'.repeat(64)}`));
      assert.deepEqual(await holders(dir, 'delete'), []);
      let waited = false;
      await (await takeLease(dir, 'install', { signal: AbortSignal.timeout(5000), onWait: () => (waited = true) }))();
      assert.equal(waited, false, 'the crashed deletion is not waited for');
      assert.deepEqual((await findLeftovers(dir)).map((l) => `${l.kind} ${l.path}`).sort(), [
        `Leftover layers/.importing-${owner.pid}-0a0b-${'1'.repeat(64)}`,
        `Leftover leases/delete-${owner.pid}-1`,
        `StaleLock layers/${'1'.repeat(64)}.lock`,
      ]);
      // The live process with that pid takes a lease: now that pid's names are its own.
      await writeFile(join(dir, 'leases', `install-${owner.pid}-2`), formatOwner({ pid: owner.pid, ...processes.identity(owner.pid) }));
      assert.deepEqual((await findLeftovers(dir)).map((l) => l.path).sort(), [`layers/${'1'.repeat(64)}.lock`, `leases/delete-${owner.pid}-1`]);
      assert.deepEqual((await readdir(join(dir, 'leases'))).sort(), [`delete-${owner.pid}-1`, `install-${owner.pid}-2`]);
    } finally {
      live.kill();
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSync, type RunSync } from '../../../src/programs.js';
import { CtrimgError } from '../../../src/errors.js';
import { formatPlatform } from '../../../src/image/platform.js';
import { HOST_PLATFORM_VARIABLE, readHostPlatform, readUbr } from '../../../src/ops/host.js';

/** What `reg.exe query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v UBR` prints on Windows Server 2019 (CRLF, blank lines around). */
const REG_OUTPUT = '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\r\n    UBR    REG_DWORD    0x16c6\r\n\r\n';

describe('ops/host', () => {
  describe(`${HOST_PLATFORM_VARIABLE}`, () => {
    it('replaces the host facts', () => {
      const never: RunSync = () => assert.fail('reg.exe is not asked when the variable is set');
      for (const value of ['windows/amd64:10.0.17763.5830', 'windows/arm64/v8:10.0.26100.1', 'linux/amd64', 'linux/arm/v7', 'windows/amd64:10.0.20348']) {
        assert.equal(formatPlatform(readHostPlatform({ [HOST_PLATFORM_VARIABLE]: value }, never)), value);
      }
    });

    it('refuses a malformed value as a usage error naming the variable', () => {
      for (const value of ['windows', 'windows/amd64:ten', 'windows/amd64', 'windows/amd64:10.0', 'windows/amd64:10.0.17763.1+win32k', 'linux/amd64:6.1']) {
        assert.throws(
          () => readHostPlatform({ [HOST_PLATFORM_VARIABLE]: value }),
          (e: unknown) => e instanceof CtrimgError && e.kind === 'usage' && e.message.startsWith(`${HOST_PLATFORM_VARIABLE} '`) && e.message.includes(value),
          value,
        );
      }
    });

    it('is this process when unset or empty', () => {
      for (const env of [{}, { [HOST_PLATFORM_VARIABLE]: '' }]) {
        const p = readHostPlatform(env);
        if (process.platform === 'linux') assert.equal(p.os, 'linux');
        if (process.arch === 'x64') assert.equal(p.architecture, 'amd64');
        if (process.platform !== 'win32') assert.equal(p.osVersion, undefined);
      }
    });
  });

  describe('the UBR from reg.exe', () => {
    const answering = (status: number | null, stdout: string): RunSync & { calls: string[][] } => {
      const calls: string[][] = [];
      return Object.assign((exe: string, args: string[]) => (calls.push([exe, ...args]), { status, stdout }), { calls });
    };

    it('parses the REG_DWORD reg.exe prints, asking for the value moby and containerd read', () => {
      const run = answering(0, REG_OUTPUT);
      assert.equal(readUbr(run), 5830);
      assert.deepEqual(run.calls, [['reg.exe', 'query', 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion', '/v', 'UBR']]);
      assert.equal(readUbr(answering(0, REG_OUTPUT.replace('0x16c6', '0xFFFFFFFF'))), 0xffffffff);
    });

    it('is unknown when the value is absent, reg.exe fails or cannot be started, or prints something else', () => {
      // reg.exe prints "ERROR: The system was unable to find the specified registry key or value." on stderr and exits 1.
      assert.equal(readUbr(answering(1, '')), undefined);
      assert.equal(readUbr(answering(null, '')), undefined);
      assert.equal(readUbr(answering(0, REG_OUTPUT.replace('REG_DWORD', 'REG_SZ'))), undefined);
      assert.equal(readUbr(answering(0, REG_OUTPUT.replace('UBR ', 'UBRX '))), undefined);
      assert.equal(readUbr(() => { throw new Error('spawnSync reg.exe EACCES'); }), undefined);
      // The real runner, with no reg.exe on this machine's PATH.
      if (process.platform !== 'win32') assert.equal(readUbr(runSync), undefined);
    });

    it('reads what a real process prints (a stand-in reg.exe, run by node)', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ctrimg-reg-standin-'));
      try {
        const standin = join(dir, 'reg.mjs');
        const answer = `process.argv[2] === 'query' && process.argv[4] === '/v' && process.argv[5] === 'UBR' ? process.stdout.write(${JSON.stringify(REG_OUTPUT)}) : process.exit(1);`;
        await writeFile(standin, answer);
        const calls: string[] = [];
        assert.equal(readUbr((exe, args) => (calls.push(exe), runSync(process.execPath, [standin, ...args]))), 5830);
        assert.deepEqual(calls, ['reg.exe']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});

/**
 * A private docker 20.10 daemon (Debian's docker.io) for the golden outputs of docker's views
 * (test/golden/regenerate-docker.ts) and interop checks: its data root, exec root, pid file and
 * unix socket all under one temp directory, no iptables, no bridge, overlay2; nothing shared
 * with another docker the machine may run. The client is Debian's /usr/bin/docker, named by
 * its path (another client may come first on PATH), always given the socket, a config
 * directory of its own (a user's config.json could set `imagesFormat`) and an explicit TZ.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export const DOCKER = '/usr/bin/docker';
export const DOCKERD = '/usr/sbin/dockerd';

export interface Ran {
  args: string[];
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Wall clock (ms) just before the process started and just after it exited. */
  nowBefore: number;
  nowAfter: number;
}

export interface RunOptions {
  /** Default UTC. */
  tz?: string;
  /** Default 120 s; a command still running then is killed and reported as failed. */
  timeoutMs?: number;
}

/** Runs a program without a shell and collects its output as UTF-8; never rejects on a non-zero exit. */
export function runProgram(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const nowBefore = Date.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      const nowAfter = Date.now();
      clearTimeout(timer);
      if (signal) {
        reject(new Error(`${cmd} ${args.join(' ')}: killed by ${signal} (over ${timeoutMs} ms?)`));
        return;
      }
      resolve({ args, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode: code ?? -1, nowBefore, nowAfter });
    });
  });
}

/** `apt-get install` of docker.io when Debian's client or daemon is missing (an `apt-get update` first if the lists are stale). */
export async function ensureDockerInstalled(): Promise<void> {
  if (existsSync(DOCKER) && existsSync(DOCKERD)) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => runProgram('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'docker.io'], env, 600_000);
  let ran = await install();
  if (ran.exitCode !== 0) {
    const update = await runProgram('apt-get', ['update', '-qq'], env, 600_000);
    if (update.exitCode !== 0) throw new Error(`apt-get update failed: ${update.stderr.trim()}`);
    ran = await install();
  }
  if (ran.exitCode !== 0 || !existsSync(DOCKER) || !existsSync(DOCKERD)) throw new Error(`could not install docker.io: ${ran.stderr.trim()}`);
}

export interface RunningDockerd {
  /** unix:///.../docker.sock */
  host: string;
  pid: number;
  /** Runs `/usr/bin/docker -H <host> ...args`. */
  docker(args: string[], opts?: RunOptions): Promise<Ran>;
  /** SIGTERM to the daemon's pid, SIGKILL after 20 s; resolves when it has exited. */
  stop(): Promise<void>;
}

/** Starts dockerd under `dir` and resolves once `docker version` answers through its socket. */
export async function startDockerd(dir: string): Promise<RunningDockerd> {
  await mkdir(join(dir, 'config'), { recursive: true });
  const host = `unix://${join(dir, 'docker.sock')}`;
  const args = [
    '--iptables=false',
    '--ip6tables=false',
    '--bridge=none',
    '--storage-driver',
    'overlay2',
    '--insecure-registry',
    '127.0.0.0/8',
    '--data-root',
    join(dir, 'data'),
    '--exec-root',
    join(dir, 'exec'),
    '--pidfile',
    join(dir, 'pid'),
    '--log-level',
    'error',
    '-H',
    host,
  ];
  const logPath = join(dir, 'dockerd.log');
  const logFd = openSync(logPath, 'w');
  const child: ChildProcess = spawn(DOCKERD, args, { stdio: ['ignore', logFd, logFd], env: { PATH: process.env.PATH, TZ: 'UTC' } });
  closeSync(logFd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const env = { PATH: process.env.PATH, HOME: dir, DOCKER_CONFIG: join(dir, 'config') };
  const docker = (cmdArgs: string[], opts: RunOptions = {}) =>
    runProgram(DOCKER, ['-H', host, ...cmdArgs], { ...env, TZ: opts.tz ?? 'UTC' }, opts.timeoutMs).then((r) => ({ ...r, args: cmdArgs }));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dockerd exited early:\n${readFileSync(logPath, 'utf8').slice(-2000)}`);
    // Readiness: the daemon answers the version call on its socket (the server half fails until it listens).
    const v = await docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 10_000 }).catch(() => undefined);
    if (v?.exitCode === 0) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`dockerd did not answer on ${host}:\n${(await readFile(logPath, 'utf8')).slice(-2000)}`);
    }
    await delay(100);
  }
  return { host, pid: child.pid!, docker, stop };
}

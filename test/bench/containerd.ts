/**
 * Bench support: a private containerd (Debian's package) with its own root, state and socket
 * under a given directory, only the native snapshotter, no CRI. Nothing is shared with a
 * containerd the machine may be running.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { output, procCpuS, procMemMiB, startTracked, stopChild } from './measure.js';

export interface RunningContainerd {
  socket: string;
  root: string;
  pid: number;
  stop(): Promise<void>;
}

/** Plugins that need kernel features, other filesystems or a kubelet; none is used by a pull. */
const DISABLED = [
  'io.containerd.grpc.v1.cri',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.overlayfs',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.tracing.processor.v1.otlp',
];

/** `enable`: plugins of DISABLED to keep, e.g. the overlayfs snapshotter where the kernel allows overlay mounts. */
export async function startContainerd(dir: string, enable: string[] = []): Promise<RunningContainerd> {
  await mkdir(dir, { recursive: true });
  const socket = join(dir, 'containerd.sock');
  const root = join(dir, 'root');
  const config = [
    'version = 2',
    `root = ${JSON.stringify(root)}`,
    `state = ${JSON.stringify(join(dir, 'state'))}`,
    `disabled_plugins = ${JSON.stringify(DISABLED.filter((p) => !enable.includes(p)))}`,
    '[grpc]',
    `  address = ${JSON.stringify(socket)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${socket}.ttrpc`)}`,
    '[debug]',
    '  address = ""',
    '  level = "warn"',
    '[metrics]',
    '  address = ""',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${JSON.stringify(join(dir, 'opt'))}`,
  ].join('\n');
  const configPath = join(dir, 'config.toml');
  await writeFile(configPath, config);
  const logPath = join(dir, 'containerd.log');
  const logFd = openSync(logPath, 'w');
  const child: ChildProcess = startTracked('containerd', ['--config', configPath], logFd);
  closeSync(logFd);
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`containerd exited early:\n${readFileSync(logPath, 'utf8').slice(-2000)}`);
    if (existsSync(socket)) {
      try {
        await output('ctr', ['-a', socket, 'version']);
        break;
      } catch {
        /* socket there, service not ready yet */
      }
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`containerd did not answer on ${socket}:\n${readFileSync(logPath, 'utf8').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { socket, root, pid: child.pid!, stop: () => stopChild(child, 10000) };
}

/** Peak and current resident set of the daemon, MiB. */
export async function daemonMem(c: RunningContainerd): Promise<{ hwm: number; rss: number }> {
  return { hwm: await procMemMiB(c.pid, 'VmHWM'), rss: await procMemMiB(c.pid, 'VmRSS') };
}

/** CPU time the daemon and the children it reaped have used so far, seconds. */
export function daemonCpuS(c: RunningContainerd): Promise<number> {
  return procCpuS(c.pid);
}

/** Names of the snapshots the native snapshotter holds (one per unpacked layer). */
export async function nativeSnapshots(c: RunningContainerd): Promise<string[]> {
  const out = await output('ctr', ['-a', c.socket, 'snapshots', '--snapshotter', 'native', 'ls']);
  return out.trim().split('\n').slice(1).filter((l) => l.trim() !== '').map((l) => l.split(/\s+/)[0]!);
}

/**
 * Bench support: the three ways of installing a bench image that are compared, each into a
 * fresh empty directory, each checked afterwards (untimed) for the expected number of files so
 * that a peer that did less work cannot win.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { daemonCpuS, daemonMem, nativeSnapshots, startContainerd } from './containerd.js';
import type { BenchImage } from './image.js';
import { measure } from './measure.js';

export const CLI = fileURLToPath(new URL('../../src/cli.cjs', import.meta.url));

export interface Sample {
  /** The image shape measured. */
  shape: string;
  peer: string;
  round: number;
  /** 0-based place of the peer in this round's order. */
  position: number;
  wallS: number;
  /** User plus system CPU time of every process doing the install, daemon included, seconds. */
  cpuS: number;
  /** Peak RSS of the client process(es), MiB. */
  rssMiB: number;
  /** containerd only: the daemon's VmHWM after the pull, and that minus its VmRSS just before. */
  daemonPeakMiB?: number;
  daemonDeltaMiB?: number;
}

export type Measurement = Omit<Sample, 'shape' | 'round' | 'position'>;

export interface Peer {
  name: string;
  run(dir: string, host: string): Promise<Measurement[]>;
}

export const PEER_CTRIMG = 'ctrimg';
export const PEER_CTRIMG_SECOND = 'ctrimg :2 after :1';
export const PEER_SKOPEO_UMOCI = 'skopeo copy + umoci unpack';
export const PEER_CONTAINERD = 'containerd (ctr pull, native)';

function fileCount(images: BenchImage[]): number {
  const seen = new Map<string, number>();
  for (const i of images) for (const l of i.layers) seen.set(l.digest, l.files);
  return [...seen.values()].reduce((a, b) => a + b, 0);
}

async function regularFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).length;
}

function expectFiles(peer: string, found: number, expected: number): void {
  if (found !== expected) throw new Error(`${peer}: found ${found} regular files after install, expected ${expected}`);
}

/**
 * ctrimg installs `first` into a fresh root, then, when given, `second` (sharing all but its
 * last layer with `first`) into the same root.
 */
export function ctrimgPeer(first: BenchImage, second?: BenchImage): Peer {
  return {
    name: PEER_CTRIMG,
    async run(dir, host) {
      const env = { ...process.env, CTRIMG_ROOT: join(dir, 'ctrimg') };
      const install = (image: BenchImage) =>
        measure(process.execPath, [CLI, 'Install-ContainerImage', '-Reference', `${host}/${image.repo}:${image.tag}`, '-Insecure', '-Quiet'], env);
      // The dir importer keeps one directory per layer, holding that layer's files.
      const layers = join(dir, 'ctrimg', 'layers');
      const out: Measurement[] = [{ peer: PEER_CTRIMG, ...(await install(first)) }];
      expectFiles(PEER_CTRIMG, await regularFiles(layers), fileCount([first]));
      if (second) {
        out.push({ peer: PEER_CTRIMG_SECOND, ...(await install(second)) });
        expectFiles(PEER_CTRIMG_SECOND, await regularFiles(layers), fileCount([first, second]));
      }
      return out;
    },
  };
}

/** skopeo copies into an OCI layout, umoci unpacks it into one rootfs; the time is the sum. */
export function skopeoUmociPeer(image: BenchImage): Peer {
  return {
    name: PEER_SKOPEO_UMOCI,
    async run(dir, host) {
      const layout = join(dir, 'oci');
      const rootfs = join(dir, 'rootfs');
      const copy = await measure('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${host}/${image.repo}:${image.tag}`, `oci:${layout}:bench`]);
      const unpack = await measure('umoci', ['raw', 'unpack', '--image', `${layout}:bench`, rootfs]);
      expectFiles(PEER_SKOPEO_UMOCI, await regularFiles(rootfs), fileCount([image]));
      return [{ peer: PEER_SKOPEO_UMOCI, wallS: copy.wallS + unpack.wallS, cpuS: copy.cpuS + unpack.cpuS, rssMiB: Math.max(copy.rssMiB, unpack.rssMiB) }];
    },
  };
}

/**
 * A containerd started for this run alone, with an empty root (so every run starts from the
 * same empty store, as the other peers do; its start-up is not timed), then `ctr images pull`,
 * which fetches and unpacks into the native snapshotter. Its CPU time is the client's and the
 * daemon's (with the unpigz processes it ran) over the pull.
 */
export function containerdPeer(image: BenchImage): Peer {
  return {
    name: PEER_CONTAINERD,
    async run(dir, host) {
      const c = await startContainerd(join(dir, 'containerd'));
      try {
        const before = await daemonMem(c);
        const cpuBefore = await daemonCpuS(c);
        const pull = await measure('ctr', ['-a', c.socket, 'images', 'pull', '--plain-http', '--snapshotter', 'native', `${host}/${image.repo}:${image.tag}`]);
        const daemonCpu = (await daemonCpuS(c)) - cpuBefore;
        const after = await daemonMem(c);
        const snapshots = await nativeSnapshots(c);
        if (snapshots.length !== image.layers.length) {
          throw new Error(`${PEER_CONTAINERD}: ${snapshots.length} snapshots after the pull, expected ${image.layers.length} (not unpacked?)`);
        }
        // Each native snapshot is a full copy of the filesystem up to its layer; the newest is the image's.
        const dirs = join(c.root, 'io.containerd.snapshotter.v1.native', 'snapshots');
        const top = Math.max(...(await readdir(dirs)).map(Number));
        expectFiles(PEER_CONTAINERD, await regularFiles(join(dirs, String(top))), fileCount([image]));
        return [{ peer: PEER_CONTAINERD, ...pull, cpuS: pull.cpuS + daemonCpu, daemonPeakMiB: after.hwm, daemonDeltaMiB: after.hwm - before.rss }];
      } finally {
        await c.stop();
      }
    },
  };
}

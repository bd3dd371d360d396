/**
 * `npm run bench`: install time, CPU time and peak RSS of ctrimg against `skopeo copy` + `umoci
 * raw unpack` and against containerd's `ctr images pull` (native snapshotter), all pulling the
 * same images from a docker-registry on 127.0.0.1, in the same run, the order of the peers
 * rotating every round. Four image shapes (image.ts): many small files (where creating inodes
 * costs most; ctrimg also installs a second image sharing all but one small layer into the root
 * that holds the first), large files in three layers of 150, 100 and 50 MiB (where moving bytes
 * costs most), and one layer of large files of 100 MiB and one of 1 GiB (memory must not grow
 * with layer size).
 *
 *   BENCH_MB      content size of the small-files image in MiB (default 300)
 *   BENCH_RUNS    rounds (default 5); medians are taken over them
 *   BENCH_SHAPES  comma-separated subset of small-files, large-files, large-100m, large-1g (default all)
 *
 * Prints a table and the targets with PASS/FAIL, writes every sample as JSON under the temp
 * dir, and always stops what it started and removes its work directory (Ctrl-C too).
 * Exit code 0 when the measurement completed (whatever the verdicts), 1 when it could not.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry } from '../support/registry.js';
import { benchLayout, largeFilesShape, largeLayerShape, mib, publishBenchImages, smallFilesShape, type BenchLayout, type Shape } from './image.js';
import { onCleanup, positiveInt, runBench } from './measure.js';
import {
  CLI,
  PEER_CONTAINERD,
  PEER_CTRIMG,
  PEER_CTRIMG_SECOND,
  PEER_SKOPEO_UMOCI,
  containerdPeer,
  ctrimgPeer,
  skopeoUmociPeer,
  type Peer,
  type Sample,
} from './peers.js';
import { LEGEND, flatMemory, renderRows, renderTargets, summarize, targets, type PeerSummary, type Target } from './report.js';

/** Program -> the Debian package that has it. */
const TOOLS: Array<[string, string]> = [
  ['docker-registry', 'docker-registry'],
  ['skopeo', 'skopeo'],
  ['umoci', 'umoci'],
  ['containerd', 'containerd'],
  ['ctr', 'containerd'],
  ['/usr/bin/time', 'time'],
  // containerd decompresses through unpigz when it finds it: the peer at its best.
  ['unpigz', 'pigz'],
];

function onPath(program: string): boolean {
  if (program.startsWith('/')) return existsSync(program);
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, program)));
}

function version(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0]!;
}

function fmtLoad(l: number[]): string {
  return l.map((x) => x.toFixed(2)).join(' ');
}

function log(line: string): void {
  process.stdout.write(`# ${line}\n`);
}

const SHAPES: Record<string, (mb: number) => Shape> = {
  'small-files': smallFilesShape,
  'large-files': largeFilesShape,
  'large-100m': () => largeLayerShape('100m'),
  'large-1g': () => largeLayerShape('1g'),
};

function chosenShapes(mb: number): Shape[] {
  const raw = process.env.BENCH_SHAPES;
  const names = raw ? raw.split(',').map((n) => n.trim()) : Object.keys(SHAPES);
  const unknown = names.filter((n) => !(n in SHAPES));
  if (unknown.length > 0 || names.length === 0) throw new Error(`BENCH_SHAPES: unknown shape(s) '${unknown.join(', ')}'; known: ${Object.keys(SHAPES).join(', ')}`);
  return names.map((n) => SHAPES[n]!(mb));
}

function peersOf(layout: BenchLayout): Peer[] {
  const [first, second] = layout.images;
  return [ctrimgPeer(first!, second), skopeoUmociPeer(first!), containerdPeer(first!)];
}

async function main(): Promise<void> {
  const mb = positiveInt('BENCH_MB', 300);
  const runs = positiveInt('BENCH_RUNS', 5);
  const shapes = chosenShapes(mb);
  const missing = TOOLS.filter(([p]) => !onPath(p)).map(([, pkg]) => pkg);
  if (missing.length > 0) {
    throw new Error(`missing tools; install them with: apt-get install -y ${[...new Set(missing)].join(' ')}`);
  }
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing; run 'npm run build' first`);
  if (runs < 5) log(`BENCH_RUNS=${runs}: fewer than 5 rounds, fine for a try but not a measurement`);

  const work = await mkdtemp(join(tmpdir(), 'ctrimg-bench-run-'));
  onCleanup(() => rm(work, { recursive: true, force: true }));

  const layouts: BenchLayout[] = [];
  for (const shape of shapes) {
    const layout = await benchLayout(shape, log);
    layouts.push(layout);
    const first = layout.images[0]!;
    const gz = first.layers.reduce((a, l) => a + l.size, 0);
    const raw = first.layers.reduce((a, l) => a + l.contentBytes, 0);
    const files = first.layers.reduce((a, l) => a + l.files, 0);
    log(`${shape.name}: ${layout.dir} (${layout.generated ? 'generated now' : 'cached'})`);
    log(`${shape.name}: ${first.repo}:${first.tag} ${first.layers.length} layers, ${files} files, ${mib(raw)} MiB content, ${mib(gz)} MiB gzip`);
  }

  const registry = await startRegistry();
  onCleanup(() => registry.stop());
  for (const layout of layouts) await publishBenchImages(layout, registry.host);
  log(`published ${layouts.flatMap((l) => l.images.map((i) => `${i.repo}:${i.tag}`)).join(', ')} on ${registry.host}`);

  // The machine may be shared: the load around the rounds says how far to trust the spread.
  const loadBefore = loadavg();
  const samples: Sample[] = [];
  for (let round = 0; round < runs; round++) {
    for (const layout of layouts) {
      const peers = peersOf(layout);
      const order = peers.map((_, i) => peers[(i + round) % peers.length]!);
      for (const [position, peer] of order.entries()) {
        const dir = await mkdtemp(join(work, 'peer-'));
        try {
          for (const s of await peer.run(dir, registry.host)) {
            samples.push({ ...s, shape: layout.shape.name, round, position });
            log(`round ${round + 1}/${runs} ${layout.shape.name} ${s.peer}: ${s.wallS.toFixed(2)} s, CPU ${s.cpuS.toFixed(2)} s, ${s.rssMiB.toFixed(0)} MiB`);
          }
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    }
  }

  const load = { before: loadBefore, after: loadavg() };
  log(`load average (1, 5, 15 min) before ${fmtLoad(load.before)}, after ${fmtLoad(load.after)}`);
  const byShape = new Map<string, PeerSummary[]>();
  for (const { shape } of layouts) byShape.set(shape.name, summarize(samples, shape.name, [PEER_CTRIMG, PEER_SKOPEO_UMOCI, PEER_CONTAINERD, PEER_CTRIMG_SECOND]));
  // The 100 MiB layer is the reference the flat-memory target holds the 1 GiB one to, not one of
  // the shapes the issue sets wall-time targets on (the 300 MB images and the 1 GiB layer): its
  // ratio is printed, not judged. A 1 s install is a third start-up, and each of its runs follows
  // a 1 GiB install whose dirty pages the kernel is still writing back.
  const reference = largeLayerShape('100m').name;
  const verdicts: Target[] = [...byShape].flatMap(([name, rows]) => targets(rows, { wall: name !== reference }));
  const small = byShape.get(reference);
  const huge = byShape.get(largeLayerShape('1g').name);
  if (small && huge) verdicts.push(flatMemory(small, huge));
  process.stdout.write(`\n${renderRows([...byShape.values()].flat())}\n\n${LEGEND}\n\n${renderTargets(verdicts)}\n`);

  const resultsDir = join(tmpdir(), 'ctrimg-bench');
  await mkdir(resultsDir, { recursive: true });
  const resultsPath = join(resultsDir, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const tools = {
    node: process.version,
    skopeo: version('skopeo', ['--version']),
    umoci: version('umoci', ['--version']),
    containerd: version('containerd', ['--version']),
  };
  const images = layouts.map((l) => ({ shape: l.shape.name, images: l.images }));
  await writeFile(resultsPath, JSON.stringify({ mb, runs, images, tools, load, samples, summary: [...byShape.values()].flat(), targets: verdicts }, null, 2));
  process.stdout.write(`\nsamples: ${resultsPath}\n`);
}

await runBench(main);

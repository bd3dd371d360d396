/**
 * `npm run bench`: install time and peak RSS of ctrimg against `skopeo copy` + `umoci raw unpack`
 * and against containerd's `ctr images pull` (native snapshotter), all pulling the same
 * three-layer gzip image from a docker-registry on 127.0.0.1, in the same run, the order of
 * the peers rotating every round. Also times ctrimg installing a second image that shares all
 * but one small layer into the root that holds the first.
 *
 *   BENCH_MB    content size of the image in MiB (default 300; the gzip blobs are about half)
 *   BENCH_RUNS  rounds (default 5); medians are taken over them
 *
 * Prints a table and the targets with PASS/FAIL, writes every sample as JSON beside the cached
 * image layout, and always stops what it started and removes its work directory (Ctrl-C too).
 * Exit code 0 when the measurement completed (whatever the verdicts), 1 when it could not.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry } from '../support/registry.js';
import { benchLayout, publishBenchImages, type BenchImage } from './image.js';
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
import { renderReport, summarize, targets } from './report.js';

/** Program -> the Debian package that has it. */
const TOOLS: Array<[string, string]> = [
  ['docker-registry', 'docker-registry'],
  ['skopeo', 'skopeo'],
  ['umoci', 'umoci'],
  ['containerd', 'containerd'],
  ['ctr', 'containerd'],
  ['/usr/bin/time', 'time'],
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

async function main(): Promise<void> {
  const mb = positiveInt('BENCH_MB', 300);
  const runs = positiveInt('BENCH_RUNS', 5);
  const missing = TOOLS.filter(([p]) => !onPath(p)).map(([, pkg]) => pkg);
  if (missing.length > 0) {
    throw new Error(`missing tools; install them with: apt-get install -y ${[...new Set(missing)].join(' ')}`);
  }
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing; run 'npm run build' first`);
  if (runs < 5) log(`BENCH_RUNS=${runs}: fewer than 5 rounds, fine for a try but not a measurement`);

  const work = await mkdtemp(join(tmpdir(), 'ctrimg-bench-run-'));
  onCleanup(() => rm(work, { recursive: true, force: true }));

  const layout = await benchLayout(mb, log);
  const [big1, big2] = layout.images as [BenchImage, BenchImage];
  const gz = big1.layers.reduce((a, l) => a + l.size, 0);
  const raw = big1.layers.reduce((a, l) => a + l.contentBytes, 0);
  const files = big1.layers.reduce((a, l) => a + l.files, 0);
  log(`image layout ${layout.dir} (${layout.generated ? 'generated now' : 'cached'})`);
  log(`big:1 ${big1.layers.length} layers, ${files} files, ${(raw / 2 ** 20).toFixed(0)} MiB content, ${(gz / 2 ** 20).toFixed(0)} MiB gzip; big:2 adds ${(big2.layers[2]!.size / 2 ** 20).toFixed(1)} MiB gzip`);

  const registry = await startRegistry();
  onCleanup(() => registry.stop());
  await publishBenchImages(layout, registry.host);
  log(`published ${registry.host}/bench/big:1 and :2`);

  // The machine may be shared: the load around the rounds says how far to trust the spread.
  const loadBefore = loadavg();
  const peers: Peer[] = [ctrimgPeer(big1, big2), skopeoUmociPeer(big1), containerdPeer(big1)];
  const samples: Sample[] = [];
  for (let round = 0; round < runs; round++) {
    const order = peers.map((_, i) => peers[(i + round) % peers.length]!);
    for (const [position, peer] of order.entries()) {
      const dir = await mkdtemp(join(work, 'peer-'));
      try {
        for (const s of await peer.run(dir, registry.host)) {
          samples.push({ ...s, round, position });
          log(`round ${round + 1}/${runs} ${s.peer}: ${s.wallS.toFixed(2)} s, ${s.rssMiB.toFixed(0)} MiB`);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }

  const load = { before: loadBefore, after: loadavg() };
  log(`load average (1, 5, 15 min) before ${fmtLoad(load.before)}, after ${fmtLoad(load.after)}`);
  const rows = summarize(samples, [PEER_CTRIMG, PEER_SKOPEO_UMOCI, PEER_CONTAINERD, PEER_CTRIMG_SECOND]);
  const verdicts = targets(rows);
  process.stdout.write(`\n${renderReport(rows, verdicts)}`);

  const resultsDir = join(tmpdir(), 'ctrimg-bench');
  await mkdir(resultsDir, { recursive: true });
  const resultsPath = join(resultsDir, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const tools = {
    node: process.version,
    skopeo: version('skopeo', ['--version']),
    umoci: version('umoci', ['--version']),
    containerd: version('containerd', ['--version']),
  };
  await writeFile(resultsPath, JSON.stringify({ mb, runs, image: { big1, big2 }, tools, load, samples, summary: rows, targets: verdicts }, null, 2));
  process.stdout.write(`\nsamples: ${resultsPath}\n`);
}

await runBench(main);

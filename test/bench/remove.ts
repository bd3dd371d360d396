/**
 * `npm run bench:remove`: peak RSS and wall time of removing a layer directory of many files
 * with the dir importer's removeLayer (what Remove-ContainerImage and Remove-Container do),
 * against `rm -rf` of an identical tree, in the same run, the order alternating every round.
 *
 *   BENCH_FILES  files in the tree (default 1000000), 1000 to a directory, 10 directories to a parent
 *   BENCH_RUNS   rounds (default 1)
 *
 * Target: ctrimg's peak RSS under 150 MiB whatever the file count. Prints each sample and the
 * verdict; exit code 0 when the measurement completed (whatever the verdict, as `npm run bench`),
 * 1 when it could not. The work directory is always removed (Ctrl-C too).
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure, onCleanup, positiveInt, runBench, type Measured } from './measure.js';

const DIR_IMPORTER = fileURLToPath(new URL('../../src/importers/dir.js', import.meta.url));
const RSS_TARGET_MIB = 150;

/** A layer-like tree: `a<i>/b<j>/f<k>`, empty files. */
function makeTree(root: string, files: number): void {
  for (let made = 0; made < files; ) {
    const dir = join(root, `a${Math.floor(made / 10_000)}`, `b${Math.floor(made / 1000) % 10}`);
    mkdirSync(dir, { recursive: true });
    for (let k = 0; k < 1000 && made < files; k++, made++) closeSync(openSync(join(dir, `f${k}`), 'w'));
  }
}

const PEERS: Record<string, (tree: string) => Promise<Measured>> = {
  'ctrimg (dir importer removeLayer)': (tree) =>
    measure(process.execPath, ['--input-type=module', '-e', `const { DirImporter } = await import(${JSON.stringify(DIR_IMPORTER)}); await new DirImporter().removeLayer(${JSON.stringify(tree)});`]),
  'rm -rf': (tree) => measure('rm', ['-rf', tree]),
};

async function main(): Promise<void> {
  const files = positiveInt('BENCH_FILES', 1_000_000);
  const runs = positiveInt('BENCH_RUNS', 1);
  const work = await mkdtemp(join(tmpdir(), 'ctrimg-bench-remove-'));
  onCleanup(() => rm(work, { recursive: true, force: true }));
  const samples: Array<{ peer: string; round: number } & Measured> = [];
  for (let round = 0; round < runs; round++) {
    const order = Object.keys(PEERS);
    if (round % 2 === 1) order.reverse();
    for (const peer of order) {
      const tree = join(work, 'tree');
      const made = Date.now();
      makeTree(tree, files);
      process.stderr.write(`round ${round + 1}: made ${files} files in ${((Date.now() - made) / 1000).toFixed(1)} s; ${peer} removes them\n`);
      const m = await PEERS[peer]!(tree);
      if (await stat(tree).then(() => true, () => false)) throw new Error(`${peer} left ${tree} behind`);
      samples.push({ peer, round, ...m });
      process.stdout.write(`${peer.padEnd(36)} round ${round + 1}: ${m.wallS.toFixed(2)} s, peak RSS ${m.rssMiB.toFixed(1)} MiB\n`);
    }
  }
  const of = (peer: string) => samples.filter((s) => s.peer === peer);
  const [ours, peer] = Object.keys(PEERS).map(of) as [typeof samples, typeof samples];
  const peakRss = Math.max(...ours.map((s) => s.rssMiB));
  const wallRatio = ours.reduce((a, s) => a + s.wallS, 0) / peer.reduce((a, s) => a + s.wallS, 0);
  const pass = peakRss < RSS_TARGET_MIB;
  process.stdout.write(
    `\n${files} files, ${runs} round(s): ctrimg peak RSS ${peakRss.toFixed(1)} MiB (target < ${RSS_TARGET_MIB}: ${pass ? 'PASS' : 'FAIL'}), ` +
      `rm -rf ${Math.max(...peer.map((s) => s.rssMiB)).toFixed(1)} MiB; wall time ctrimg / rm -rf = ${wallRatio.toFixed(2)}\n`,
  );
}

await runBench(main);

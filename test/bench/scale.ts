/**
 * `npm run bench:scale`: ctrimg on a large store, as ratios against `node -e 0` (Node's bare
 * start) measured in the same run, the order of the commands rotating every round. The store
 * (scale-store.ts) holds 10,000 images in families and 50,000 containers, written directly into
 * its database. Measured: Get-ContainerImage (all, and -Name with a wildcard), the dependency
 * check of Remove-ContainerImage (a -WhatIf removal of a base image, refused because of its
 * dependents), Get-ContainerImage -ChildOf <base> and -ChildOf <base> -Recurse, and every cmdlet's -?.
 *
 *   BENCH_IMAGES      images in the store (default 10000)
 *   BENCH_CONTAINERS  containers in the store (default 50000)
 *   BENCH_RUNS        rounds (default 7); medians are taken over them
 *
 * Each run is timed from here (wall) and by /usr/bin/time (user+sys CPU, shown beside; the targets
 * are on wall time, but on a machine shared with other work the CPU ratio is the steadier one).
 * Node's bare start is measured just before every command, under the same load. Each command's
 * result is checked once, untimed (how many images it lists, the refusal's exit code 4 and error
 * code), so that a command that did less cannot pass. Prints every sample, the medians, the ratios
 * and the targets with PASS/FAIL; exit code 0 when the measurement completed (whatever the
 * verdicts), 1 when it could not. The store is always removed (Ctrl-C too).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup, positiveInt, runBench, stats, type Stats } from './measure.js';
import { CLI } from './peers.js';
import { table } from './report.js';
import { fillStore, type ScaleStore } from './scale-store.js';

const NODE_BARE = 'node -e 0';

interface Command {
  label: string;
  argv: string[];
  /** The exit code the command must end with (4: refused because something depends on it). */
  exit: number;
  /** Largest median over node's bare start's that passes; none: measured, no target. */
  limit?: number;
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** User plus system CPU time (GNU time's %U %S, in 10 ms ticks): less swayed than wall time by other work on the machine. */
  cpuMs: number;
}

const TIME_FILE = join(tmpdir(), `ctrimg-bench-scale-time-${process.pid}`);

/** Runs `argv` under /usr/bin/time to completion; stdout kept only when asked (a table of 10,000 rows costs the reader too). */
function run(argv: string[], env: NodeJS.ProcessEnv, keepStdout = false): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // Its own process group, so that a Ctrl-C stops node under time too.
    const child = spawn('/usr/bin/time', ['-f', '%U %S', '-o', TIME_FILE, process.execPath, ...argv], {
      env,
      detached: true,
      stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'],
    });
    // Stopped on Ctrl-C: a listing busy computing lineage does not see SIGTERM until it is done.
    const forget = onCleanup(async () => void process.kill(-child.pid!, 'SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      forget();
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const [user, sys] = readFileSync(TIME_FILE, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr, wallMs, cpuMs: (user! + sys!) * 1000 });
    });
  });
}

const ctrimg = (args: string[]) => [CLI, ...args];
const fmtLoad = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
const log = (line: string) => process.stdout.write(`# ${line}\n`);

async function expectRun(argv: string[], env: NodeJS.ProcessEnv, exit: number, keepStdout = false): Promise<Ran> {
  const r = await run(argv, env, keepStdout);
  if (r.code !== exit) throw new Error(`${argv.slice(1).join(' ')} exited ${r.code}, expected ${exit}:\n${r.stderr}`);
  log(`${argv[0] === CLI ? ['ctrimg', ...argv.slice(1)].join(' ') : `node ${argv.join(' ')}`}: ${r.wallMs.toFixed(0)} ms, CPU ${r.cpuMs.toFixed(0)} ms`);
  return r;
}

/**
 * Number of images a listing printed: as JSON objects (read from whole records) and as table rows
 * (the timed form, read from summaries), which must agree.
 */
async function countListed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { stdout } = await expectRun(ctrimg([...args, '-OutputFormat', 'Json']), env, 0, true);
  const parsed = JSON.parse(stdout === '' ? '[]' : stdout) as unknown;
  const objects = Array.isArray(parsed) ? parsed.length : 1;
  const table = (await expectRun(ctrimg(args), env, 0, true)).stdout;
  // The rows: the lines after the header's dashes, up to the blank line that ends the table.
  const rows = table === '' ? 0 : table.split('\n').slice(3).filter((line) => line !== '').length;
  if (rows !== objects) throw new Error(`${args.join(' ')} printed ${objects} JSON objects but ${rows} table rows`);
  return objects;
}

function expectCount(what: string, found: number, expected: number): void {
  if (found !== expected) throw new Error(`${what} listed ${found} images, expected ${expected}`);
}

/** The commands `ctrimg help` lists (Get-Command's objects), so cmdlets added later are measured too. */
async function cmdletNames(env: NodeJS.ProcessEnv): Promise<string[]> {
  const { stdout } = await expectRun(ctrimg(['help', '-OutputFormat', 'Json']), env, 0, true);
  const names = (JSON.parse(stdout) as { Name: string }[]).map((c) => c.Name);
  if (names.length === 0) throw new Error(`no commands found in 'ctrimg help':\n${stdout}`);
  return names;
}

/** The commands measured, each checked once against what the store holds. */
async function commands(s: ScaleStore, env: NodeJS.ProcessEnv): Promise<Command[]> {
  const out: Command[] = [];
  expectCount('Get-ContainerImage', await countListed(['Get-ContainerImage'], env), s.images);
  out.push({ label: 'Get-ContainerImage', argv: ctrimg(['Get-ContainerImage']), exit: 0, limit: 3 });
  expectCount(`Get-ContainerImage -Name ${s.pattern}`, await countListed(['Get-ContainerImage', '-Name', s.pattern], env), s.matching);
  out.push({ label: `Get-ContainerImage -Name ${s.pattern}`, argv: ctrimg(['Get-ContainerImage', '-Name', s.pattern]), exit: 0, limit: 3 });

  const refusal = ['Remove-ContainerImage', '-Name', s.base.name, '-Version', s.base.version, '-WhatIf'];
  const refused = await expectRun(ctrimg(refusal), env, 4);
  if (!refused.stderr.includes('[IMAGE_IN_USE]')) throw new Error(`${refusal.join(' ')} was not refused with IMAGE_IN_USE:\n${refused.stderr}`);
  out.push({ label: `${refusal.join(' ')} (refused)`, argv: ctrimg(refusal), exit: 4, limit: 2 });

  const childOf = ['Get-ContainerImage', '-ChildOf', s.base.name];
  expectCount(childOf.join(' '), await countListed(childOf, env), s.base.children);
  out.push({ label: childOf.join(' '), argv: ctrimg(childOf), exit: 0 });

  const recurse = [...childOf, '-Recurse'];
  expectCount(recurse.join(' '), await countListed(recurse, env), s.base.descendants);
  out.push({ label: recurse.join(' '), argv: ctrimg(recurse), exit: 0, limit: 2 });

  for (const name of await cmdletNames(env)) out.push({ label: `${name} -?`, argv: ctrimg([name, '-?']), exit: 0, limit: 1.5 });
  return out;
}


async function main(): Promise<void> {
  const images = positiveInt('BENCH_IMAGES', 10_000);
  const containers = positiveInt('BENCH_CONTAINERS', 50_000);
  const runs = positiveInt('BENCH_RUNS', 7);
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing; run 'npm run build' first`);
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is missing; install it with: apt-get install -y time');
  onCleanup(() => rm(TIME_FILE, { force: true }));

  const root = await mkdtemp(join(tmpdir(), 'ctrimg-bench-scale-'));
  onCleanup(() => rm(root, { recursive: true, force: true }));
  const env = { ...process.env, CTRIMG_ROOT: join(root, 'store'), CTRIMG_IMPORTER: 'dir' };
  // A command makes the store (directories, database); the rows go in after.
  await expectRun(ctrimg(['Get-ContainerImage']), env, 0);
  const made = Date.now();
  const s = fillStore(join(root, 'store'), images, containers);
  log(`store: ${s.images} images (${s.layers} layers, ${s.chainLinks} image-layer links), ${s.containers} containers, written in ${((Date.now() - made) / 1000).toFixed(1)} s`);
  log(`base ${s.base.name} ${s.base.version}: ${s.base.children} images built on ${s.base.name} directly, ${s.base.descendants} in all; -Name ${s.pattern} matches ${s.matching}`);

  const timed = await commands(s, env);
  const all: Command[] = [{ label: NODE_BARE, argv: ['-e', '0'], exit: 0 }, ...timed];
  const samples = new Map<string, Ran[]>(all.map((c) => [c.label, []]));
  const loadBefore = loadavg();
  const bareStart = all[0]!;
  for (let round = 0; round < runs; round++) {
    // Node's bare start just before every command: the machine's load then is the command's.
    const order = timed.map((_, i) => timed[(i + round) % timed.length]!);
    for (const c of order) {
      for (const x of [bareStart, c]) samples.get(x.label)!.push(await expectRun(x.argv, env, x.exit));
    }
  }
  const loadAfter = loadavg();
  log(`load average (1, 5, 15 min) before ${fmtLoad(loadBefore)}, after ${fmtLoad(loadAfter)}; ${runs} rounds`);

  const wall = new Map<string, Stats>([...samples].map(([label, rs]) => [label, stats(rs.map((r) => r.wallMs))]));
  const cpu = new Map<string, Stats>([...samples].map(([label, rs]) => [label, stats(rs.map((r) => r.cpuMs))]));
  const bare = wall.get(NODE_BARE)!.median;
  const ratio = (label: string) => wall.get(label)!.median / bare;
  const cpuRatio = (label: string) => cpu.get(label)!.median / cpu.get(NODE_BARE)!.median;
  process.stdout.write(
    `\n${table(
      ['command', 'median ms', 'min ms', 'max ms', 'ratio', 'CPU ms', 'CPU ratio'],
      all.map((c) => {
        const st = wall.get(c.label)!;
        const ct = cpu.get(c.label)!;
        return [c.label, st.median.toFixed(0), st.min.toFixed(0), st.max.toFixed(0), `${ratio(c.label).toFixed(2)}x`, ct.median.toFixed(0), `${cpuRatio(c.label).toFixed(2)}x`];
      }),
    )}\n\nratio: median wall time over ${NODE_BARE}'s median (${bare.toFixed(0)} ms) in the same run; CPU: the same with user+sys CPU time\n` +
      `(what the targets use is wall time; on a busy machine the CPU ratio says more)\n\n`,
  );
  process.stdout.write(
    `${table(
      ['target', 'limit', 'measured', 'result'],
      timed
        .filter((c) => c.limit !== undefined)
        .map((c) => [c.label, `<= ${c.limit!.toFixed(1)}x`, `${ratio(c.label).toFixed(2)}x`, ratio(c.label) <= c.limit! ? 'PASS' : 'FAIL']),
    )}\n`,
  );
}

await runBench(main);

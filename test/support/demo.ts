/**
 * `npm run demo`: the main job end to end through the real `ctrimg` executable, against a real
 * registry on loopback. Starts docker-registry on a free 127.0.0.1 port, publishes the sample
 * images with skopeo (samples/nanoserver, samples/webapp, samples/multi), and runs every
 * command against a fresh temp store root, printing each command line and its output as a
 * PowerShell session would. Each command's exit code is checked; the first unexpected one
 * ends the demo with exit code 1. The registry and the temp root are always removed, also on
 * Ctrl-C.
 *
 * Needs `docker-registry` and `skopeo` on PATH (Debian: apt-get install -y docker-registry skopeo).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishFixtures } from './fixtures.js';
import { startRegistry, type RunningRegistry } from './registry.js';

const CLI = fileURLToPath(new URL('../../src/cli.cjs', import.meta.url));

/** Children running right now, so Ctrl-C can stop them before cleaning up. */
const running = new Set<ChildProcess>();

class DemoFailure extends Error {}
/** Thrown instead of a failure once Ctrl-C has stopped the command that was running. */
class Interrupted extends Error {}
let interrupted = false;

/** Shows an argument the way you would type it in a shell. */
function shown(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "''")}'`;
}

function commandLine(args: string[]): string {
  return ['ctrimg', ...args].map(shown).join(' ');
}

function startCtrimg(root: string, args: string[], stdio: Array<'inherit' | 'pipe' | 'ignore'>): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, CTRIMG_ROOT: root },
    stdio,
  });
  running.add(child);
  return child;
}

function exitOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve(code ?? (signal ? 128 : -1));
    });
  });
}

function check(line: string, code: number, expected: number): void {
  if (interrupted) throw new Interrupted();
  if (code !== expected) {
    throw new DemoFailure(`'${line}' exited with ${code}, expected ${expected}`);
  }
}

/**
 * Passes a child's stdout through as it comes, remembering whether it ended with a blank line
 * (tables do), so that every command is followed by exactly one.
 */
function forward(child: ChildProcess): { endsBlank(): boolean } {
  let tail = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    tail = (tail + chunk.toString()).slice(-2);
  });
  return { endsBlank: () => tail === '\n\n' };
}

/** Prints `PS> ctrimg ...`, runs it (stderr straight to the terminal), checks the exit code. */
async function run(root: string, args: string[], expected = 0): Promise<void> {
  if (interrupted) throw new Interrupted();
  const line = commandLine(args);
  console.log(`PS> ${line}`);
  const child = startCtrimg(root, args, ['ignore', 'pipe', 'inherit']);
  const out = forward(child);
  const code = await exitOf(child);
  if (interrupted) throw new Interrupted();
  if (expected !== 0 || code !== expected) {
    console.log('PS> $LASTEXITCODE');
    console.log(String(code));
    console.log();
  } else if (!out.endsBlank()) console.log();
  check(line, code, expected);
}

/** `ctrimg <left> | ctrimg <right>`: the first one's stdout (JSON) is the second one's stdin. */
async function pipeline(root: string, left: string[], right: string[]): Promise<void> {
  if (interrupted) throw new Interrupted();
  const line = `${commandLine(left)} | ${commandLine(right)}`;
  console.log(`PS> ${line}`);
  const producer = startCtrimg(root, left, ['ignore', 'pipe', 'inherit']);
  const consumer = startCtrimg(root, right, ['pipe', 'pipe', 'inherit']);
  producer.stdout!.pipe(consumer.stdin!);
  const out = forward(consumer);
  const [a, b] = await Promise.all([exitOf(producer), exitOf(consumer)]);
  if (!out.endsBlank()) console.log();
  check(commandLine(left), a, 0);
  check(commandLine(right), b, 0);
}

async function main(): Promise<number> {
  if (!existsSync(CLI)) {
    console.error(`demo: ${CLI} is missing; build first (npm run demo builds, then runs this)`);
    return 1;
  }
  // Ctrl-C stops the command that is running; main() then unwinds through `finally`, which
  // stops the registry and removes the temp store. A second Ctrl-C quits at once.
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted = true;
    console.error(`\ndemo: ${signal}; stopping the registry and removing the temp store`);
    for (const child of running) child.kill('SIGTERM');
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const started = Date.now();
  const root = await mkdtemp(join(tmpdir(), 'ctrimg-demo-'));
  let registry: RunningRegistry | undefined;
  try {
    registry = await startRegistry();
    if (interrupted) throw new Interrupted();
    const { url, host } = registry;
    console.log(`# docker-registry listening on ${url} (loopback only)`);
    await publishFixtures(host);
    if (interrupted) throw new Interrupted();
    console.log('# published with skopeo: samples/nanoserver:10.0.17763.1, samples/webapp:1.2.0, samples/multi:1.0');
    console.log(`# CTRIMG_ROOT=${root}`);
    console.log();

    await run(root, ['Register-ContainerImageSource', '-Name', 'local', '-Location', url, '-Insecure', '-Namespace', 'samples', '-Publisher', 'Contoso']);
    await run(root, ['Find-ContainerImage']);
    console.log('# WebApp is built on NanoServer: the base is installed first.');
    await run(root, ['Install-ContainerImage', '-Name', 'WebApp']);
    await run(root, ['Get-ContainerImage']);
    await run(root, ['Get-ContainerImage', '-Property', 'Name,ParentImage']);
    await run(root, ['New-Container', '-ContainerImageName', 'WebApp', '-Name', 'web1']);
    await run(root, ['Get-Container']);
    console.log('# Refused (exit 4): WebApp has NanoServer as its ParentImage.');
    await run(root, ['Remove-ContainerImage', '-Name', 'NanoServer'], 4);
    await run(root, ['Remove-Container', '-Name', 'web1', '-Force']);
    console.log('# Image objects piped in as JSON.');
    await pipeline(root, ['Get-ContainerImage', '-Name', 'WebApp', '-OutputFormat', 'Json'], ['Remove-ContainerImage', '-Force']);
    await run(root, ['Remove-ContainerImage', '-Name', 'NanoServer', '-Force']);
    await run(root, ['Get-ContainerImage']);

    console.log(`# demo passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (err) {
    if (interrupted) return 130;
    if (err instanceof DemoFailure) console.error(`demo FAILED: ${err.message}`);
    else console.error(`demo FAILED: ${(err as Error).stack ?? String(err)}`);
    return 1;
  } finally {
    for (const child of running) child.kill('SIGTERM');
    await registry?.stop().catch((err: Error) => console.error(`demo: stopping the registry: ${err.message}`));
    await rm(root, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

process.exitCode = await main();

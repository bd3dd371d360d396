/**
 * `npm run demo`: the main job end to end through the real `ctrimg` executable, against a real
 * registry on loopback. Installs docker-registry, skopeo and attr with apt-get when they are
 * missing and this runs as root (else prints the command and exits 1), starts docker-registry on a free
 * 127.0.0.1 port, publishes the Windows samples with skopeo (windows-samples.ts: NanoServer,
 * ServerCore and IIS on ServerCore, Windows-format layers), and runs the commands an
 * administrator would against a fresh temp store root, printing each command line and its
 * output as a PowerShell session would. Each command's exit code is checked; the first
 * unexpected one ends the demo with exit code 1. The registry and the temp dirs are always
 * removed, also on failure and on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistry, type RunningRegistry } from './registry.js';
import { publishWindowsSamples, SAMPLE_NAMES, SAMPLE_OS_VERSION } from './windows-samples.js';

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
 * Passes a child's stdout and stderr through as they come, keeping its stdout and remembering
 * whether the output ended with a blank line (tables do), so that every command is followed
 * by exactly one.
 */
function forward(child: ChildProcess): { endsBlank(): boolean; stdout(): string } {
  let tail = '';
  let stdout = '';
  const pass = (to: NodeJS.WriteStream) => (chunk: Buffer) => {
    to.write(chunk);
    tail = (tail + chunk.toString()).slice(-2);
  };
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stdout!.on('data', pass(process.stdout));
  child.stderr!.on('data', pass(process.stderr));
  return { endsBlank: () => tail === '\n\n', stdout: () => stdout };
}

/** Prints `PS> ctrimg ...`, runs it, checks the exit code; resolves with its stdout. */
async function run(root: string, args: string[], expected = 0): Promise<string> {
  if (interrupted) throw new Interrupted();
  const line = commandLine(args);
  console.log(`PS> ${line}`);
  const child = startCtrimg(root, args, ['ignore', 'pipe', 'pipe']);
  const out = forward(child);
  const code = await exitOf(child);
  if (interrupted) throw new Interrupted();
  if (expected !== 0 || code !== expected) {
    console.log('PS> $LASTEXITCODE');
    console.log(String(code));
    console.log();
  } else if (!out.endsBlank()) console.log();
  check(line, code, expected);
  return out.stdout();
}

/** `ctrimg <left> | ctrimg <right>`: the first one's stdout (JSON) is the second one's stdin. */
async function pipeline(root: string, left: string[], right: string[]): Promise<void> {
  if (interrupted) throw new Interrupted();
  const line = `${commandLine(left)} | ${commandLine(right)}`;
  console.log(`PS> ${line}`);
  const producer = startCtrimg(root, left, ['ignore', 'pipe', 'inherit']);
  const consumer = startCtrimg(root, right, ['pipe', 'pipe', 'pipe']);
  producer.stdout!.pipe(consumer.stdin!);
  const out = forward(consumer);
  const [a, b] = await Promise.all([exitOf(producer), exitOf(consumer)]);
  if (!out.endsBlank()) console.log();
  check(commandLine(left), a, 0);
  check(commandLine(right), b, 0);
}

/**
 * The programs the demo needs besides node, with the Debian package of each: the registry, skopeo
 * to publish the samples, and attr's getfattr and setfattr, which the dir importer runs for
 * extended attributes.
 */
const TOOLS: ReadonlyArray<{ program: string; pkg: string }> = [
  { program: 'docker-registry', pkg: 'docker-registry' },
  { program: 'skopeo', pkg: 'skopeo' },
  { program: 'getfattr', pkg: 'attr' },
  { program: 'setfattr', pkg: 'attr' },
];

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The Debian packages of the tools not on PATH, each once, in TOOLS order. */
const missingPackages = (): string[] => [...new Set(TOOLS.filter((t) => !onPath(t.program)).map((t) => t.pkg))];

/** Runs a setup command with the terminal attached; true when it exits 0. */
async function setupCommand(args: string[]): Promise<boolean> {
  console.log(`# ${args.join(' ')}`);
  const child = spawn(args[0]!, args.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  running.add(child);
  return (await exitOf(child)) === 0 && !interrupted;
}

/**
 * Installs the missing packages with apt-get when running as root (update once, then install);
 * otherwise prints the exact command. True when every tool is on PATH afterwards.
 */
async function ensureTools(): Promise<boolean> {
  const missing = missingPackages();
  if (missing.length === 0) return true;
  const install = ['apt-get', 'install', '-y', ...missing];
  const needs = `demo: needs the Debian packages ${missing.join(', ')}`;
  if (process.getuid?.() !== 0) {
    console.error(`${needs}; install them as root, then run the demo again:\n  sudo sh -c 'apt-get update && ${install.join(' ')}'`);
    return false;
  }
  if (!onPath('apt-get')) {
    console.error(`${needs}, and apt-get is not on PATH; install them with this system's package manager`);
    return false;
  }
  console.log(`# installing ${missing.join(', ')} (running as root)`);
  if (!(await setupCommand(['apt-get', 'update'])) || !(await setupCommand(install))) {
    console.error(`${needs}; apt-get failed (see above)`);
    return false;
  }
  // Debian's package starts its own registry service, listening on every interface at :5000; the
  // demo installed it, so the demo stops it and keeps it from starting at boot: nothing is left
  // running. Without systemd (a container) there is no such service, and the failure is only said.
  if (missing.includes('docker-registry') && onPath('systemctl') && !(await setupCommand(['systemctl', 'disable', '--now', 'docker-registry.service']))) {
    console.error('demo: could not stop the docker-registry service the package may have started (no systemd here?)');
  }
  const still = missingPackages();
  if (still.length > 0) console.error(`demo: ${still.join(', ')} still missing after apt-get install`);
  return still.length === 0;
}

const PLATFORM = 'windows/amd64';

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
  let root: string | undefined;
  let registry: RunningRegistry | undefined;
  try {
    if (!(await ensureTools())) return interrupted ? 130 : 1;
    root = await mkdtemp(join(tmpdir(), 'ctrimg-demo-'));
    registry = await startRegistry();
    if (interrupted) throw new Interrupted();
    const { url, host } = registry;
    console.log(`# docker-registry listening on ${url} (loopback only)`);
    await publishWindowsSamples(host);
    if (interrupted) throw new Interrupted();
    const published = Object.values(SAMPLE_NAMES).map((n) => `${n.repo}:${n.tag}`);
    console.log(`# published with skopeo: ${published.join(', ')}`);
    console.log(`#   each for ${PLATFORM} with os.version ${SAMPLE_OS_VERSION}, layers in the Windows format (Files/ and Hives/)`);
    console.log(`# CTRIMG_ROOT=${root}`);
    console.log();

    await run(root, ['Register-ContainerImageSource', '-Name', 'local', '-Location', url, '-Insecure', '-Namespace', 'windows', '-Publisher', 'Microsoft']);
    await run(root, ['Find-ContainerImage', '-Name', 'Nano*']);
    await run(root, ['Find-ContainerImage']);
    console.log('# This host runs Linux: by default ctrimg takes the image built for this host, and these are Windows images only.');
    await run(root, ['Install-ContainerImage', '-Name', 'NanoServer'], 3);
    console.log(`# On a Windows Server 2019 host (build 17763) that command installs NanoServer: its os.version matches`);
    console.log('# the host\'s build, and each layer goes to the Host Compute Service through wclayer import.');
    console.log(`# Here -Platform ${PLATFORM} asks for the Windows image, and the dir importer unpacks each layer's`);
    console.log('# Files/ and Hives/ into a plain directory.');
    await run(root, ['Install-ContainerImage', '-Name', 'NanoServer', '-Platform', PLATFORM]);
    console.log('# IIS is built on ServerCore: the base is installed first.');
    await run(root, ['Install-ContainerImage', '-Name', 'IIS', '-Platform', PLATFORM]);
    await run(root, ['Get-ContainerImage']);
    await run(root, ['Get-ContainerImage', '-Property', 'Name,ParentImage']);
    console.log('# The same store, as docker shows it:');
    await run(root, ['images']);
    await run(root, ['New-Container', '-ContainerImageName', 'IIS', '-Name', 'web1']);
    const [web1] = JSON.parse(await run(root, ['Get-Container', '-Name', 'web1', '-OutputFormat', 'Json'])) as Array<{ Path: string }>;
    console.log("# With the dir importer a container's Path is the merged tree of its image's layers:");
    for (const top of ['Files', 'Hives']) console.log(`#   ${top}/: ${(await readdir(join(web1!.Path, top))).sort().join(', ')}`);
    console.log();
    console.log('# Refused (exit 4): IIS has ServerCore as its ParentImage. -Force skips the confirmation, not the check.');
    await run(root, ['Remove-ContainerImage', '-Name', 'ServerCore', '-Force'], 4);
    console.log('# Cleanup: the container first, then the images, piped in as JSON.');
    await run(root, ['Remove-Container', '-Name', 'web1', '-Force']);
    await pipeline(root, ['Get-ContainerImage', '-OutputFormat', 'Json'], ['Remove-ContainerImage', '-Force']);
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
    if (root) await rm(root, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

process.exitCode = await main();

/**
 * The README's first command, `npm run demo` (test/support/demo.ts), end to end: it passes and
 * narrates the main job; it leaves no registry running and no temp dir behind, whether it
 * passes, fails or is interrupted; without its tools it says what to install and exits 1.
 * Each run gets its own TMPDIR (node, docker-registry's storage and skopeo all honour it), so
 * "nothing left" is an empty directory and no process whose command line names it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { validateWindowsLayer } from '../../src/layers/windows.js';
import { startRegistry } from '../support/registry.js';
import { publishWindowsSamples } from '../support/windows-samples.js';

const DEMO = fileURLToPath(new URL('../support/demo.js', import.meta.url));

interface DemoRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the demo with `tmp` as its TMPDIR; `onStdout` sees its output as it grows. */
function startDemo(tmp: string, opts: { env?: NodeJS.ProcessEnv; uid?: number; onStdout?: (all: string, pid: number) => void } = {}): Promise<DemoRun> {
  const child = spawn(process.execPath, [DEMO], {
    env: { ...process.env, TMPDIR: tmp, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.uid !== undefined && { uid: opts.uid, gid: opts.uid }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    opts.onStdout?.(stdout, child.pid!);
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Command lines of the live processes that name `path` (the registry's config lives under TMPDIR). */
async function processesNaming(path: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(path)) found.push(`${pid}: ${cmdline.replace(/\0/g, ' ')}`);
  }
  return found;
}

async function assertNothingLeft(tmp: string): Promise<void> {
  assert.deepEqual(await readdir(tmp), [], 'temp dirs left behind');
  assert.deepEqual(await processesNaming(tmp), [], 'processes left running');
}

describe('end to end: npm run demo', function () {
  this.timeout(120_000);
  let tmp: string;
  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'ctrimg-e2e-demo-'));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('passes, narrating every step, and leaves no registry and no temp dir', async () => {
    const r = await startDemo(tmp);
    assert.equal(r.code, 0, r.stderr);
    const narrated = [
      'PS> ctrimg Register-ContainerImageSource -Name local -Location http://127.0.0.1:',
      "PS> ctrimg Find-ContainerImage -Name 'Nano*'\n",
      'PS> ctrimg Install-ContainerImage -Name NanoServer\nPS> $LASTEXITCODE\n3\n',
      'PS> ctrimg Install-ContainerImage -Name NanoServer -Platform windows/amd64\n',
      'PS> ctrimg Install-ContainerImage -Name IIS -Platform windows/amd64\n',
      'PS> ctrimg Get-ContainerImage\n',
      'PS> ctrimg images\n',
      'PS> ctrimg New-Container -ContainerImageName IIS -Name web1\n',
      'PS> ctrimg Remove-ContainerImage -Name ServerCore -Force\nPS> $LASTEXITCODE\n4\n',
      'PS> ctrimg Remove-Container -Name web1 -Force\n',
      'PS> ctrimg Get-ContainerImage -OutputFormat Json | ctrimg Remove-ContainerImage -Force\n',
    ];
    let at = 0;
    for (const line of narrated) {
      const found = r.stdout.indexOf(line, at);
      assert.ok(found >= 0, `'${line.trim()}' is not narrated (in order):\n${r.stdout}`);
      at = found + line.length;
    }
    assert.match(r.stdout, /^IIS +ContainerImage \(Name = 'ServerCore'\) \[Publisher = 'CN=Microsoft', Version = '10\.0\.17763\.5458'\]$/m);
    assert.match(r.stdout, /^# {3}Files\/: License\.txt, Windows, inetpub$/m, "the container's tree is the layers' Files/");
    assert.match(r.stderr, /\[IMAGE_IN_USE\]/);
    assert.match(r.stderr, /^Removed image NanoServer 10\.0\.17763\.5458$/m);
    assert.match(r.stdout, /^# demo passed in [\d.]+ s$/m);
    await assertNothingLeft(tmp);
  });

  it('fails with exit 1 naming the command when a step exits otherwise than expected, and still cleans up', async () => {
    // The hcs importer, forced through the environment every command inherits, has no wclayer here.
    const r = await startDemo(tmp, { env: { CTRIMG_IMPORTER: 'hcs', CTRIMG_WCLAYER: join(tmp, 'no-wclayer') } });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /^demo FAILED: 'ctrimg Install-ContainerImage -Name NanoServer -Platform windows\/amd64' exited with 1, expected 0$/m);
    await assertNothingLeft(tmp);
  });

  it('stops at Ctrl-C with exit 130, leaving no registry and no temp dir', async () => {
    let sent = false;
    const r = await startDemo(tmp, {
      onStdout: (all, pid) => {
        if (!sent && all.includes('PS> ctrimg Install-ContainerImage -Name IIS')) {
          sent = true;
          process.kill(pid, 'SIGINT');
        }
      },
    });
    assert.ok(sent, r.stdout);
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /demo: SIGINT; stopping the registry and removing the temp store/);
    assert.doesNotMatch(r.stdout, /demo passed/);
    await assertNothingLeft(tmp);
  });

  it('without its tools, as a user other than root: prints the apt-get command and exits 1', async () => {
    const r = await startDemo(tmp, { env: { PATH: '/nonexistent' }, ...(process.getuid?.() === 0 && { uid: 65534 }) });
    assert.equal(r.code, 1, r.stdout);
    assert.equal(
      r.stderr,
      "demo: needs the Debian packages docker-registry, skopeo, attr; install them as root, then run the demo again:\n  sudo sh -c 'apt-get update && apt-get install -y docker-registry skopeo attr'\n",
    );
    await assertNothingLeft(tmp);
  });

  it('without its tools, as root: runs apt-get update once, then apt-get install -y of the missing packages, and stops the service the package starts', async () => {
    // An apt-get and a systemctl that record their calls and do nothing, alone on PATH (the suite runs as root).
    const bin = join(tmp, 'bin');
    await mkdir(bin);
    const calls = join(tmp, 'apt-get.calls');
    for (const tool of ['apt-get', 'systemctl']) await writeFile(join(bin, tool), `#!/bin/sh\necho "${tool} $DEBIAN_FRONTEND $*" >> ${calls}\n`, { mode: 0o755 });
    const r = await startDemo(tmp, { env: { PATH: bin } });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      await readFile(calls, 'utf8'),
      'apt-get noninteractive update\napt-get noninteractive install -y docker-registry skopeo attr\nsystemctl noninteractive disable --now docker-registry.service\n',
    );
    assert.match(r.stdout, /^# apt-get update\n# apt-get install -y docker-registry skopeo attr\n# systemctl disable --now docker-registry.service$/m);
    assert.match(r.stderr, /^demo: docker-registry, skopeo, attr still missing after apt-get install$/m);
    await rm(bin, { recursive: true });
    await rm(calls);
    await assertNothingLeft(tmp);
  });

  it('publishes layers a wclayer import takes: Files/ and Hives/ only, whiteouts under Files/', async () => {
    const registry = await startRegistry();
    try {
      const samples = await publishWindowsSamples(registry.host);
      const layers = [samples.nanoserver, samples.servercore, samples.iis].flatMap((img) =>
        img.layerDigests.map((d, i) => ({ bytes: img.blobs.get(d)!, base: i === 0 })),
      );
      assert.equal(layers.length, 6);
      for (const l of layers) await validateWindowsLayer(Readable.from([gunzipSync(l.bytes)]), { base: l.base });
      for (const img of [samples.nanoserver, samples.servercore, samples.iis]) {
        assert.deepEqual([img.config.os, img.config['os.version']], ['windows', '10.0.17763.5458']);
      }
    } finally {
      await registry.stop();
    }
  });
});

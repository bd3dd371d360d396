/**
 * ctrimg's docker views held to real docker 20.10's output (test/golden/docker/cases.json,
 * written by test/golden/regenerate-docker.ts). The same fixture images are published on a real
 * registry and brought into a ctrimg store as they came into docker (pulled by tag, pulled under
 * a tag that then moved, pulled by digest, loaded from docker's own save archives), then every
 * `images` and `history` case docker ran against that state is run here on the clock docker ran
 * it at, and must print what docker printed, character for character.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cmdlet as historySpec } from '../../cmdlets/history.js';
import { cmdlet as imagesSpec } from '../../cmdlets/images.js';
import { historyOutput } from '../../cmdlets/run/history.js';
import { imagesOutput } from '../../cmdlets/run/images.js';
import { parseDockerParameters } from '../../src/cli/docker-parse.js';
import type { CmdletSpec } from '../../src/cli/types.js';
import { CtrimgError } from '../../src/errors.js';
import { openStoreContext, type StoreContext } from '../../src/ops/store-context.js';
import { ctrimg } from '../support/ctrimg.js';
import { runInProcess } from '../support/in-process.js';
import { dockerFixtures, type FixtureKey } from '../support/docker-fixtures.js';
import { builtFixtures, PORT_TOKEN, pushFixture, type GoldenCase, type GoldenFile } from '../support/docker-golden.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'golden', 'docker');
const exec = promisify(execFile);

/** The docker state every images and history case below ran against: all fixtures in. */
const STATE = 's18';

describe('docker views against docker 20.10 (golden)', function () {
  this.timeout(240_000);
  let golden: GoldenFile;
  let registry: RunningRegistry;
  let root: string;
  let work: string;
  let ctx: StoreContext;
  /** Our output with the registry's port as the goldens write it. */
  let normalized: (text: string) => string;
  /** The pulls that brought the fixtures in, where ctrimg printed otherwise than docker. */
  const pullMismatches: string[] = [];

  before(async () => {
    golden = JSON.parse(await readFile(join(GOLDEN, 'cases.json'), 'utf8')) as GoldenFile;
    registry = await startRegistry();
    const port = registry.host.split(':')[1]!;
    // The goldens' placeholder is as long as docker's port was: column widths hold only for a port as long.
    assert.equal(port.length, PORT_TOKEN.length, `registry port ${port} is not ${PORT_TOKEN.length} digits long`);
    normalized = (text) => text.split(registry.host).join(`127.0.0.1:${PORT_TOKEN}`);
    root = await mkdtemp(join(tmpdir(), 'ctrimg-docker-views-'));
    work = await mkdtemp(join(tmpdir(), 'ctrimg-docker-views-work-'));
    const fixtures = await dockerFixtures(golden.now);
    const built = await builtFixtures(golden.now);
    const ref = (t: string) => `${registry.host}/${t}`;
    // docker pulls plain http from 127.0.0.0/8; ctrimg from a source registered so.
    const registered = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'golden', '-Location', `http://${registry.host}`, '-Insecure']);
    assert.equal(registered.code, 0, registered.stderr);
    const pulls = golden.cases.filter((c) => c.view === 'pull');
    const pull = async (reference: string) => {
      const r = await cli(['pull', reference]);
      assert.equal(r.code, 0, `pull ${reference}: ${r.stderr}`);
      const c = pulls.shift()!;
      if (!samePull(normalized(r.stdout), c.stdout)) pullMismatches.push(`${c.name}:\n--- docker\n${c.stdout}--- ctrimg\n${normalized(r.stdout)}`);
    };
    const pushed: FixtureKey[] = ['sizes999', 'sizes1000', 'sizes999999', 'app', 'big', 'movingOld', 'pinned', 'legacy'];
    await Promise.all(pushed.map((k) => pushFixture(registry.host, work, k, built[k], fixtures[k].tags)));
    // As regenerate-docker.ts brought them into docker, in the same order, each pull printing what docker's printed.
    for (const t of fixtures.app.tags) await pull(ref(t));
    for (const k of ['sizes999', 'sizes1000', 'sizes999999', 'big', 'legacy'] as const) await pull(ref(fixtures[k].tags[0]!));
    await pull(ref(fixtures.movingOld.tags[0]!));
    await pushFixture(registry.host, work, 'movingNew', built.movingNew, fixtures.movingNew.tags);
    await pull(ref(fixtures.movingNew.tags[0]!));
    await pull(`${ref(fixtures.pinned.tags[0]!.split(':')[0]!)}@${built.pinned.manifestDigest}`);
    // docker's save by id, loaded back: no tag, no digest. Each load prints what docker's printed.
    const loads = golden.cases.filter((c) => c.view === 'load' && !c.note?.includes('ctrimg'));
    const load = async (file: string) => {
      const r = await cli(['load', '-i', file]);
      assert.equal(r.code, 0, `load -i ${file}: ${r.stderr}`);
      const c = loads.shift()!;
      if (normalized(r.stdout) !== c.stdout) pullMismatches.push(`${c.name}:\n--- docker\n${c.stdout}--- ctrimg\n${normalized(r.stdout)}`);
    };
    await load(join(GOLDEN, 'archives', 'orphan-by-id.tar'));
    // docker's save of base and child, with base's tag dropped, as the regeneration edited it for docker.
    const family = join(work, 'family');
    await mkdir(family);
    await exec('tar', ['-xf', join(GOLDEN, 'archives', 'family.tar'), '-C', family]);
    const manifest = JSON.parse((await readFile(join(family, 'manifest.json'), 'utf8')).split(PORT_TOKEN).join(port)) as Array<{ Config: string; RepoTags: string[] | null }>;
    for (const m of manifest) if (m.Config.startsWith(built.base.configDigest.slice(7))) m.RepoTags = null;
    await writeFile(join(family, 'manifest.json'), JSON.stringify(manifest));
    await exec('tar', ['-cf', join(work, 'family-parent.tar'), '-C', family, '.']);
    await load(join(work, 'family-parent.tar'));
    ctx = await openStoreContext({ root, report: { info: () => {}, warn: () => {}, debug: () => {} }, signal: new AbortController().signal });
  });

  after(async () => {
    await ctx?.close();
    await registry?.stop();
    for (const dir of [root, work]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  const views: Record<string, { spec: CmdletSpec; output: (ctx: StoreContext, args: ReturnType<typeof parseDockerParameters>['args'], now: number) => Promise<string> }> = {
    images: { spec: imagesSpec, output: imagesOutput },
    history: { spec: historySpec, output: historyOutput },
  };

  /** What ctrimg prints for the case at `now`, or the error it fails with. */
  async function ours(c: GoldenCase, now: number): Promise<{ stdout: string } | { error: CtrimgError }> {
    const view = views[c.view]!;
    const argv = c.argv.slice(1).map((a) => a.split(PORT_TOKEN).join(registry.host.split(':')[1]!));
    try {
      const out = await view.output(ctx, parseDockerParameters(view.spec.params, argv).args, now);
      return { stdout: normalized(out === '' ? '' : out.endsWith('\n') ? out : `${out}\n`) };
    } catch (err) {
      if (err instanceof CtrimgError) return { error: err };
      throw err;
    }
  }

  it('pulls and loads the fixtures printing what docker pull and docker load printed (layer lines in any order, as docker prints them)', () => {
    assert.deepEqual(pullMismatches, []);
  });

  it("prints docker pull's lines for an image already there, by tag, by digest and every tag (-a), and -q the reference alone", async () => {
    const port = registry.host.split(':')[1]!;
    const again = golden.cases.filter((c) => c.view === 'pull' && c.state === STATE && c.exitCode === 0);
    assert.ok(again.length >= 4 && again.some((c) => c.argv.includes('-a')));
    for (const c of again) {
      const r = await cli(c.argv.map((a) => a.split(PORT_TOKEN).join(port)));
      assert.equal(r.code, 0, r.stderr);
      assert.ok(samePull(normalized(r.stdout), c.stdout), `${c.name}:\n--- docker\n${c.stdout}--- ctrimg\n${normalized(r.stdout)}`);
    }
  });

  it('fails a pull of what the registry does not have, as docker fails it', async () => {
    const port = registry.host.split(':')[1]!;
    const failing = golden.cases.filter((c) => c.view === 'pull' && c.exitCode !== 0);
    assert.ok(failing.length >= 3);
    for (const c of failing) {
      const r = await cli(c.argv.map((a) => a.split(PORT_TOKEN).join(port)));
      assert.equal(r.code, 3, `${c.name}: ${r.stderr}`);
      // docker: "manifest for X not found: manifest unknown"; the reference is named the same way.
      const named = /manifest for (\S+) not found/.exec(c.stderr)![1]!;
      assert.ok(normalized(r.stderr).includes(named.replace(/:latest$/, '')), `${c.name}:\n docker: ${c.stderr}\n ctrimg: ${r.stderr}`);
      assert.equal(normalized(r.stdout), c.stdout, `${c.name}: stdout`);
    }
  });

  it('prints every images and history case as docker printed it, or fails where docker failed', async () => {
    const cases = golden.cases.filter((c) => c.state === STATE && c.view in views);
    const mismatches: string[] = [];
    const tz = process.env.TZ;
    try {
      for (const c of cases) await compare(c, mismatches);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
    assert.deepEqual(mismatches, [], `${mismatches.length} of ${cases.length} cases differ:\n\n${mismatches.join('\n\n')}`);
  });

  it('saves the archives docker loaded: byte for byte what the golden regeneration gave docker load', async () => {
    const saved = golden.cases.filter((c) => c.view === 'ctrimg' && c.argv[0] === 'save');
    assert.equal(saved.length, 2);
    const port = registry.host.split(':')[1]!;
    for (const c of saved) {
      const archive = golden.archives.find((a) => a.savedBy === c.name)!;
      // docker loaded it: the golden records what docker printed.
      const loaded = golden.cases.find((l) => l.view === 'load' && l.argv.at(-1) === c.argv[2]);
      assert.ok(loaded && loaded.exitCode === 0 && loaded.stdout.startsWith('Loaded image'), `docker load of ${archive.file}`);
      const file = join(work, basename(archive.file));
      const r = await cli(['save', '-o', file, ...c.argv.slice(3).map((a) => a.split(PORT_TOKEN).join(port))]);
      assert.equal(r.code, 0, r.stderr);
      const bytes = Buffer.from(normalized((await readFile(file)).toString('latin1')), 'latin1');
      assert.equal(createHash('sha256').update(bytes).digest('hex'), archive.sha256, `${archive.file}: ctrimg no longer writes what docker loaded`);
    }
  });

  it("replays docker's rmi cases in the order docker ran them: the same lines, the same refusals (but -f never removes what a container uses)", async () => {
    const start = golden.cases.findIndex((c) => c.view === 'rmi' && c.state === STATE);
    const port = registry.host.split(':')[1]!;
    const replayed: string[] = [];
    let container = '';
    // Up to the interop cases, which need ctrimg's own archives in docker.
    const end = golden.cases.findIndex((c) => c.view === 'ctrimg');
    for (const c of golden.cases.slice(start, end)) {
      const argv = c.argv.map((a) => a.split(PORT_TOKEN).join(port));
      if (c.view === 'create') {
        // docker create: a container record of ctrimg's on the same image.
        const made = await cli(['New-Container', '-ContainerImageName', 'legacy', '-Name', 'golden-c1', '-Json']);
        assert.equal(made.code, 0, made.stderr);
        container = (JSON.parse(made.stdout) as Array<{ Id: string }>)[0]!.Id.slice(0, 12);
        continue;
      }
      if (c.view !== 'rmi') continue;
      const r = await cli(argv);
      const ours = normalized(r.stdout).split(container || '\0').join('{CONTAINER}');
      const stderr = normalized(r.stderr).split(container || '\0').join('{CONTAINER}');
      replayed.push(c.name);
      if (argv.includes('-f') && c.exitCode === 0 && /golden\/legacy/.test(c.name) && c.stdout.includes('Deleted:')) {
        // docker -f deleted the image its stopped container uses; ctrimg refuses (DESIGN rule 1), and
        // deletes it once the container is gone, as docker did. Its layers go too: docker kept them for the container.
        assert.equal(r.code, 4, r.stderr);
        assert.match(stderr, /unable to remove repository reference .* \(cannot be forced\) - container \{CONTAINER\} is using its referenced image 60669320d3da .*\[IMAGE_IN_USE\]/);
        assert.equal((await cli(['Remove-Container', '-Name', 'golden-c1', '-Force'])).code, 0);
        const again = await cli(argv);
        assert.equal(again.code, 0, again.stderr);
        assert.ok(normalized(again.stdout).startsWith(c.stdout), `${c.name}:\n${again.stdout}`);
        continue;
      }
      assert.equal(ours, c.stdout, `${c.name}: stdout`);
      if (c.exitCode === 0) {
        assert.equal(r.code, 0, `${c.name}: ${r.stderr}`);
        continue;
      }
      assert.notEqual(r.code, 0, `${c.name}: docker failed with ${c.stderr}`);
      // docker's message, its "Error response from daemon: " or "Error: " left out; a container's
      // refusal cannot be forced here.
      const message = c.stderr.split('\n')[0]!.replace(/^(Error response from daemon|Error): /, '').replace(/\(must (be )?force(d)?\)( - (container|image is being used))/, '(cannot be forced)$3');
      assert.ok(stderr.includes(message.replace(/^"docker rmi"/, '"rmi"').replace(/\.$/, '')), `${c.name}:\n docker: ${c.stderr}\n ctrimg: ${r.stderr}`);
    }
    assert.ok(replayed.length >= 17, `only ${replayed.length} rmi cases replayed`);
  });

  it('lists what is left after the removals as docker does (images -a)', async () => {
    const last = golden.cases.find((c) => c.view === 'images' && c.note === 'at the end')!;
    const mismatches: string[] = [];
    await compare(last, mismatches);
    assert.deepEqual(mismatches, []);
  });

  /** Runs `ctrimg <argv>` in this process on the store, as the executable would. */
  const cli = (argv: string[]) => runInProcess(root, argv);

  /** Runs the case as docker ran it (same clock, same zone); adds how it differs to `mismatches`. */
  async function compare(c: GoldenCase, mismatches: string[]): Promise<void> {
    // Node reads TZ again whenever it is set: a case docker ran in another zone runs here in it too.
    process.env.TZ = c.tz;
    const expected = departures(c, golden);
    const results = await Promise.all(expected.at.map((now) => ours(c, now)));
    if (c.exitCode !== 0) {
      if (!results.every((r) => 'error' in r)) mismatches.push(`${c.name}: docker failed (${c.stderr.trim()}), ctrimg printed\n${(results[0] as { stdout: string }).stdout}`);
      return;
    }
    const printed = results.map((r) => ('error' in r ? `error: ${r.error.message}` : r.stdout));
    if (!printed.some((p) => sameListing(expected.ours(p), expected.docker))) mismatches.push(`${c.name} (TZ=${c.tz}):\n--- docker\n${c.stdout}--- ctrimg\n${printed[0]}`);
  }
});

/**
 * The same pull output: the header, then the same final line for each layer (docker prints a
 * layer's steps in whatever order its downloads finish, and drops `Verifying Checksum` at
 * times), then the digest, the status and the reference.
 */
function samePull(ours: string, docker: string): boolean {
  const split = (text: string) => {
    const lines = text.split('\n').filter((l) => l !== '');
    const layers = lines.filter((l) => /^[0-9a-f]{12}: /.test(l));
    const final = layers.filter((l) => /: (Pull complete|Already exists)$/.test(l)).sort();
    return { rest: lines.filter((l) => !layers.includes(l)), final, ids: [...new Set(layers.map((l) => l.slice(0, 12)))].sort() };
  };
  const a = split(ours);
  const b = split(docker);
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Where ctrimg differs from docker 20.10 on purpose, what each side must print instead:
 * - `--format json` is the newer docker CLI's shorthand for `{{json .}}` on every line; 20.10
 *   printed the word `json`. It must print what docker printed for `--format {{json .}}`.
 * - A control character in registry text is escaped (`\n`), never written to the terminal: in
 *   docker's history a newline in CREATED BY broke the entry over two lines. The entry (one line
 *   here, two in docker's) must show the escape, and every other line be docker's (but for its
 *   padding, which the break changed in docker's).
 */
function departures(c: GoldenCase, golden: GoldenFile): { docker: string; ours: (text: string) => string; at: number[] } {
  const formatAt = c.argv.indexOf('--format');
  if (c.view === 'images' && formatAt > 0 && c.argv[formatAt + 1] === 'json') {
    const asJson = golden.cases.find((o) => o.state === c.state && o.view === 'images' && o.argv.join(' ') === c.argv.join(' ').replace('--format json', '--format {{json .}}'));
    assert.ok(asJson, `no {{json .}} case for ${c.name}`);
    return { docker: asJson.stdout, ours: (text) => text, at: [asJson.nowBefore, asJson.nowAfter] };
  }
  // Only where docker wrote the newline itself (in JSON it is escaped by docker too).
  const broken = c.stdout.split('\n').findIndex((line) => line.includes('RUN printf ab') && !line.includes('echo done'));
  if (c.view === 'history' && broken >= 0) {
    // The line break also ends docker's tabwriter block, so the lines after it may be aligned
    // narrower: with --no-trunc they are. Compared with runs of spaces made one.
    const collapse = (lines: string[]) => lines.map((l) => l.replace(/ {2,}/g, ' ')).join('\n');
    const lines = c.stdout.split('\n');
    const docker = collapse([...lines.slice(0, broken), ...lines.slice(broken + 2)]);
    return {
      docker,
      ours: (text) => {
        const ours = text.split('\n');
        const entry = ours.findIndex((line) => line.includes('RUN printf ab'));
        assert.ok(ours[entry]?.includes('&&\\n echo done'), `the newline in CREATED BY is not escaped: ${ours[entry]}`);
        return collapse([...ours.slice(0, entry), ...ours.slice(entry + 1)]);
      },
      at: [c.nowBefore, c.nowAfter],
    };
  }
  return { docker: c.stdout, ours: (text) => text, at: [c.nowBefore, c.nowAfter] };
}

/**
 * Equal, or equal but for the order of the lines of one image in several repositories: docker
 * itself prints those in either order (its reference store is a map). Such lines are
 * neighbours (one image, one creation time): the lines that differ must lie within as many
 * lines as an image has references here (4), and be the same lines.
 */
function sameListing(ours: string, docker: string): boolean {
  if (ours === docker) return true;
  const a = ours.split('\n');
  const b = docker.split('\n');
  if (a.length !== b.length) return false;
  const differ = a.flatMap((line, i) => (line === b[i] ? [] : [i]));
  const first = differ[0]!;
  const last = differ.at(-1)!;
  return last - first < 4 && a.slice(first, last + 1).sort().join('\n') === b.slice(first, last + 1).sort().join('\n');
}

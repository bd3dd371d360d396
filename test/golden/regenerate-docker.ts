/**
 * Regenerates test/golden/docker/: what a real docker 20.10 prints for the views ctrimg copies
 * (images, history, rmi, pull, save, load, search), on the images of
 * test/support/docker-fixtures.ts. The normal test run reads the result and never needs docker;
 * only this script does.
 *
 *   npm run golden:docker        (as root: dockerd; installs Debian's docker.io when missing)
 *
 * It starts a real registry (docker-registry, loopback, ephemeral port) and a private dockerd
 * (test/support/dockerd.ts), takes the fixture clock `now`, builds the fixtures for it, pushes
 * them with skopeo and brings them into docker as each one's `arrival` says, then runs every
 * case with TZ=UTC (a few with TZ=Asia/Kolkata) and records argv, stdout, stderr, exit code and
 * the wall clock around each command, the state of docker's images before it, and which
 * fixtures it names. Small archives `docker save` wrote are kept under archives/ with their
 * `tar -tvf` listings. The views that print CREATED run first: the 1-second and 1-minute
 * images keep their buckets only for a minute after `now`, and the run fails if it took longer.
 * dockerd is stopped by its pid and the temp directory removed whatever happens (Ctrl-C too).
 *
 * Review the diff after regenerating: it is docker's behaviour, not ctrimg's.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerFixtures, type DockerFixture, type FixtureKey } from '../support/docker-fixtures.js';
import {
  CONTAINER_FULL_TOKEN,
  CONTAINER_TOKEN,
  PORT_TOKEN,
  pushFixture,
  REGISTRY,
  TMP_TOKEN,
  type GoldenArchive,
  type GoldenCase,
  type GoldenFile,
  type GoldenImage,
  type GoldenState,
} from '../support/docker-golden.js';
import { ensureDockerInstalled, runProgram, startDockerd, type Ran, type RunningDockerd } from '../support/dockerd.js';
import { buildImage, type BuiltImage } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** dist/test/golden -> test/golden/docker */
const OUT = join(HERE, '../../../test/golden/docker');
const TOTAL_TIMEOUT_MS = 15 * 60_000;
/** The views that print CREATED must be done this long after `now` (whole seconds): the 1-minute image turns "2 minutes" at 60 s. */
const CREATED_WINDOW_MS = 58_000;
/** Archives kept in the repository, at most this much in all. */
const ARCHIVE_BUDGET = 200 * 1024;
const ROW_ORDER_RUNS = 8;

/** ctrimg as built, for the interop cases. */
const CTRIMG = join(HERE, '../../src/cli.cjs');
const sha256hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Everything one regeneration run holds. */
class Session {
  readonly cases: GoldenCase[] = [];
  readonly states: Record<string, GoldenState> = {};
  private stateKey = '';
  private dirty = true;
  private containerId = '';
  private readonly names = new Map<string, number>();
  readonly archives: GoldenArchive[] = [];

  constructor(
    private readonly dockerd: RunningDockerd,
    readonly registry: string,
    readonly work: string,
    private readonly built: Record<FixtureKey, BuiltImage>,
  ) {}

  /** `127.0.0.1:<port>/<repoTag>` */
  ref(repoTag: string): string {
    return `${this.registry}/${repoTag}`;
  }

  normalize(text: string): string {
    let out = text.replaceAll(this.registry, REGISTRY).replaceAll(this.work, TMP_TOKEN);
    if (this.containerId) out = out.replaceAll(this.containerId, CONTAINER_FULL_TOKEN).replaceAll(this.containerId.slice(0, 12), CONTAINER_TOKEN);
    return out;
  }

  /** Runs docker without recording it (the state snapshots); fails on a non-zero exit. */
  private async quiet(args: string[]): Promise<Ran> {
    const r = await this.dockerd.docker(args);
    if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')}: exit ${r.exitCode}\n${r.stderr}`);
    return r;
  }

  private async snapshot(): Promise<void> {
    const ids = [...new Set((await this.quiet(['images', '-a', '-q', '--no-trunc'])).stdout.split('\n').filter(Boolean))];
    const images: GoldenState['images'] = [];
    if (ids.length > 0) {
      const lines = (await this.quiet(['image', 'inspect', '--format', '{{json .}}', ...ids])).stdout.split('\n').filter(Boolean);
      for (const line of lines) {
        const i = JSON.parse(line) as Record<string, unknown>;
        images.push({
          id: i.Id as GoldenState['images'][number]['id'],
          repoTags: (i.RepoTags as string[] | null) ?? [],
          repoDigests: (i.RepoDigests as string[] | null) ?? [],
          parent: i.Parent as string,
          created: i.Created as string,
          size: i.Size as number,
          virtualSize: i.VirtualSize as number,
        });
      }
    }
    const ps = (await this.quiet(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Image}}'])).stdout.split('\n').filter(Boolean);
    const state: GoldenState = JSON.parse(
      this.normalize(JSON.stringify({ images: images.sort((a, b) => a.id.localeCompare(b.id)), containers: ps.map((l) => ({ id: l.split(' ')[0]!, image: l.split(' ')[1]! })) })),
    ) as GoldenState;
    const text = JSON.stringify(state);
    const known = Object.entries(this.states).find(([, s]) => JSON.stringify(s) === text);
    this.stateKey = known ? known[0] : `s${Object.keys(this.states).length + 1}`;
    if (!known) this.states[this.stateKey] = state;
    this.dirty = false;
  }

  /** Fixtures whose id or manifest digest `text` names, in full or by its first 12 hex digits. */
  private mentions(text: string): FixtureKey[] {
    return (Object.entries(this.built) as Array<[FixtureKey, BuiltImage]>)
      .filter(([, b]) => [b.configDigest, b.manifestDigest].some((d) => text.includes(d.slice(7, 19))))
      .map(([k]) => k);
  }

  /** Runs and records one case. `mutates`: the command changes docker's images or containers. */
  async run(args: string[], opts: { tz?: string; mutates?: boolean; note?: string; view?: string; timeoutMs?: number } = {}): Promise<GoldenCase> {
    if (this.dirty) await this.snapshot();
    const state = this.stateKey;
    const r = await this.dockerd.docker(args, { tz: opts.tz, timeoutMs: opts.timeoutMs });
    if (opts.mutates) this.dirty = true;
    // The one container's id is random: from its creation on, outputs name it by a placeholder.
    if (args[0] === 'create' && r.exitCode === 0) this.containerId = r.stdout.trim();
    return this.record(r, state, opts.view ?? args[0]!, opts.tz ?? 'UTC', opts.note);
  }

  record(r: Ran, state: string, view: string, tz: string, note?: string): GoldenCase {
    const argv = r.args.map((a) => this.normalize(a));
    const base = [...(view === 'tar' || view === 'ctrimg' ? [view] : []), ...argv].join(' ') + (tz === 'UTC' ? '' : ` (TZ=${tz})`);
    const seen = (this.names.get(base) ?? 0) + 1;
    this.names.set(base, seen);
    const c: GoldenCase = {
      name: seen === 1 ? base : `${base} #${seen}`,
      view,
      argv,
      tz,
      stdout: this.normalize(r.stdout),
      stderr: this.normalize(r.stderr),
      exitCode: r.exitCode,
      nowBefore: r.nowBefore,
      nowAfter: r.nowAfter,
      state,
      mentions: this.mentions(r.stdout + r.stderr),
      ...(note ? { note } : {}),
    };
    this.cases.push(c);
    process.stdout.write(`${String(c.exitCode).padStart(3)}  ${c.name}\n`);
    return c;
  }

  /** `docker save -o <work>/<name>.tar refs...` as a case, then its `tar -tvf` listing as another; the archive is kept to be committed. */
  async save(name: string, refs: string[], note?: string): Promise<void> {
    const path = join(this.work, `${name}.tar`);
    const c = await this.run(['save', '-o', path, ...refs], { note });
    if (c.exitCode !== 0) return;
    const bytes = await readFile(path);
    const listing = await tar(['-tvf', path]);
    this.record({ ...listing, args: ['-tvf', path] }, this.stateKey, 'tar', 'UTC', `listing of ${name}.tar`);
    this.archives.push({ file: `archives/${name}.tar`, savedBy: c.name, sha256: sha256hex(bytes), bytes: bytes.length, listing: this.normalize(listing.stdout) });
  }

  /** An archive another program wrote (`ran`, its run), kept with docker's under `name`.tar. */
  async keepForeign(name: string, ran: Ran, note: string): Promise<void> {
    const path = join(this.work, `${name}.tar`);
    // Named `ctrimg ...`, not by the path the executable had in this run.
    const c = this.record({ ...ran, args: ran.args.slice(1) }, this.stateKey, 'ctrimg', 'UTC', note);
    const bytes = await readFile(path);
    this.archives.push({ file: `archives/${name}.tar`, savedBy: c.name, sha256: sha256hex(bytes), bytes: bytes.length, listing: this.normalize((await tar(['-tvf', path])).stdout) });
  }

  /**
   * Replaces archives/ under `out` with the archives saved, within ARCHIVE_BUDGET. The registry's
   * port in manifest.json and repositories becomes PORT_TOKEN, byte for byte of the same length,
   * so the tar stays valid (put a port back the same way to load one).
   */
  async keepArchives(out: string): Promise<void> {
    const total = this.archives.reduce((n, a) => n + a.bytes, 0);
    if (total > ARCHIVE_BUDGET) throw new Error(`saved archives take ${total} bytes, over the ${ARCHIVE_BUDGET} kept in the repository`);
    await rm(join(out, 'archives'), { recursive: true, force: true });
    await mkdir(join(out, 'archives'), { recursive: true });
    for (const a of this.archives) {
      const bytes = Buffer.from(this.normalize((await readFile(join(this.work, a.file.slice('archives/'.length)))).toString('latin1')), 'latin1');
      if (bytes.length !== a.bytes) throw new Error(`${a.file}: normalizing changed its length`);
      a.sha256 = sha256hex(bytes);
      await writeFile(join(out, a.file), bytes, { mode: 0o644 });
    }
  }
}

/** Pushes a built image to each `repo:tag` with skopeo (an OCI layout per tag, the tag as its ref name). */
/** Runs tar (listings, and the one archive edited for a parent link). */
async function tar(args: string[], cwd?: string): Promise<Ran> {
  const r = await runProgram('tar', cwd ? ['-C', cwd, ...args] : args, { PATH: process.env.PATH, TZ: 'UTC', LC_ALL: 'C' });
  if (r.exitCode !== 0) throw new Error(`tar ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/**
 * Brings every fixture into docker as its `arrival` says, recording each pull, save, rmi and
 * load on the way: these are the pull cases of a new image, of a new tag for a present image
 * and of layers that already exist, and the first rmi and load cases.
 */
async function arrive(s: Session, fixtures: Record<FixtureKey, DockerFixture>, built: Record<FixtureKey, BuiltImage>, host: string, work: string): Promise<void> {
  const ref = (t: string) => s.ref(t);
  const pushAll = (keys: FixtureKey[]) => Promise.all(keys.map((k) => pushFixture(host, work, k, built[k], fixtures[k].tags)));
  await pushAll(['sizes999', 'sizes1000', 'sizes999999', 'app', 'big', 'base', 'child', 'movingOld', 'pinned', 'orphan', 'legacy']);

  for (const t of fixtures.app.tags) await s.run(['pull', ref(t)], { mutates: true });
  for (const k of ['sizes999', 'sizes1000', 'sizes999999', 'big', 'legacy'] as const) await s.run(['pull', ref(fixtures[k].tags[0]!)], { mutates: true });

  // Two images pulled in turn under one tag: the first keeps its repo digest and loses its tag.
  await s.run(['pull', ref(fixtures.movingOld.tags[0]!)], { mutates: true });
  await pushFixture(host, work, 'movingNew', built.movingNew, fixtures.movingNew.tags);
  await s.run(['pull', ref(fixtures.movingNew.tags[0]!)], { mutates: true, note: 'the same tag again, now naming movingNew: movingOld keeps only its digest' });

  const pinnedRepo = fixtures.pinned.tags[0]!.split(':')[0]!;
  await s.run(['pull', `${ref(pinnedRepo)}@${built.pinned.manifestDigest}`], { mutates: true, note: 'by digest only' });

  // A save by id has no RepoTags; loaded back after the image is gone, it has neither tag nor digest.
  await s.run(['pull', ref(fixtures.orphan.tags[0]!)], { mutates: true });
  await s.save('orphan-by-id', [built.orphan.configDigest], 'by id: manifest.json has no RepoTags');
  await s.run(['rmi', ref(fixtures.orphan.tags[0]!)], { mutates: true, note: 'the only tag: Untagged for the tag and the digest, then Deleted' });
  await s.run(['load', '-i', join(work, 'orphan-by-id.tar')], { mutates: true });

  // A parent link exists only for built, committed or loaded images: docker's own save of base
  // and child, with base's tag dropped and child's Parent set in manifest.json, is loaded back.
  await s.run(['pull', ref(fixtures.base.tags[0]!)], { mutates: true });
  await s.run(['pull', ref(fixtures.child.tags[0]!)], { mutates: true, note: "base's layer already exists" });
  await s.save('family', [ref(fixtures.base.tags[0]!), ref(fixtures.child.tags[0]!)], 'two images, one layer shared');
  await s.run(['rmi', ref(fixtures.child.tags[0]!), ref(fixtures.base.tags[0]!)], { mutates: true, note: "two references; the child's shared layer is deleted only with base" });
  const family = join(work, 'family');
  await mkdir(family);
  await tar(['-xf', join(work, 'family.tar')], family);
  const manifest = JSON.parse(await readFile(join(family, 'manifest.json'), 'utf8')) as Array<{ Config: string; RepoTags: string[] | null; Parent?: string }>;
  const baseHex = built.base.configDigest.slice(7);
  for (const m of manifest) {
    if (m.Config.startsWith(baseHex)) m.RepoTags = null;
    else m.Parent = built.base.configDigest;
  }
  await writeFile(join(family, 'manifest.json'), JSON.stringify(manifest));
  const repositories = JSON.parse(await readFile(join(family, 'repositories'), 'utf8')) as Record<string, unknown>;
  delete repositories[ref(fixtures.base.tags[0]!.split(':')[0]!)];
  await writeFile(join(family, 'repositories'), JSON.stringify(repositories));
  await tar(['-cf', join(work, 'family-parent.tar'), '.'], family);
  await s.run(['load', '-i', join(work, 'family-parent.tar')], { mutates: true, note: "docker's save of base and child, edited: base without RepoTags, child with Parent base" });
}

const f = (format: string) => ['--format', format];

/** Every `docker images` case; CREATED is in most of them, so these run first. */
async function imagesViews(s: Session, fixtures: Record<FixtureKey, DockerFixture>, built: Record<FixtureKey, BuiltImage>): Promise<void> {
  const app = s.ref('golden/app');
  const images = (...args: string[]) => s.run(['images', ...args]);
  await images();
  for (const flags of [['-a'], ['-q'], ['-aq'], ['-a', '-q'], ['--digests'], ['--no-trunc'], ['--digests', '--no-trunc'], ['-q', '--no-trunc'], ['-q', '--digests'], ['--all', '--quiet']]) await images(...flags);
  await images(app);
  await images(`${app}:1.0`);
  await images(`${app}:nosuch`);
  await images(s.ref('golden/moving'));
  await images(s.ref('golden/pinned'));
  await images(s.ref('golden/mirror'));
  await images('golden/app');
  await images(s.ref('golden/*'));
  await images('-a', s.ref('golden/base'));
  await images(app, s.ref('golden/mirror'));
  await images('--bogus');

  const since = (k: FixtureKey) => s.ref(fixtures[k].tags[0]!);
  for (const filter of [
    'dangling=true',
    'dangling=false',
    'dangling=maybe',
    'label=golden.role',
    'label=golden.role=app',
    'label=golden.tier=web',
    'label=golden.url=http://127.0.0.1/a=b',
    'label=nosuch',
    `before=${since('app')}`,
    `since=${since('app')}`,
    `before=${built.big.configDigest.slice(7, 19)}`,
    `since=${built.big.configDigest}`,
    `since=${since('legacy')}`,
    `before=${s.ref('golden/nosuch:1')}`,
    `reference=${s.ref('golden/*')}`,
    `reference=${s.ref('golden/sizes:*')}`,
    `reference=${s.ref('golden/*:1*')}`,
    `reference=*/golden/app`,
    `reference=127.0.0.1:*/*`,
    `reference=*app*`,
    'reference=golden/app',
    'foo=bar',
    'dangling',
    '=true',
  ]) {
    await images('--filter', filter);
  }
  await images('-a', '--filter', 'dangling=true');
  await images('-q', '--filter', 'dangling=true');
  await images('--filter', `reference=*/golden/app:latest`, '--filter', 'reference=*/golden/legacy');
  await images('--filter', 'label=golden.tier=web', '--filter', 'label=golden.role=app');
  await images('--filter', 'label=golden.role', '--filter', 'dangling=false');
  await images('--filter', 'dangling=true', '--filter', 'dangling=false');
  await images('-f', 'since=' + since('big'), '-f', 'before=' + since('sizes999'));
  await images('--filter', 'reference=*/golden/app', app);

  for (const format of [
    'table',
    'table {{.Repository}}\t{{.Tag}}\t{{.ID}}',
    'table {{.ID}}\t{{.Digest}}\t{{.CreatedSince}}\t{{.CreatedAt}}\t{{.Size}}',
    'table {{.ID}}\t{{.Containers}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.VirtualSize}}',
    'table {{.Repository}}',
    '{{.ID}}',
    '{{.Repository}}',
    '{{.Tag}}',
    '{{.Digest}}',
    '{{.CreatedSince}}',
    '{{.CreatedAt}}',
    '{{.Size}}',
    '{{.Containers}}',
    '{{.SharedSize}}',
    '{{.UniqueSize}}',
    '{{.VirtualSize}}',
    '{{.ID}}\t{{.Repository}}:{{.Tag}}',
    '{{json .}}',
    '{{json .Repository}}',
    '{{upper .Repository}}',
    '{{lower .Tag}}',
    '{{title .Repository}}',
    '{{pad .Tag 2 3}}|',
    '{{truncate .ID 5}}',
    '{{truncate .Repository 100}}',
    '{{join (split .Repository "/") ","}}',
    '{{split .Repository "/"}}',
    'json',
    'raw',
    '',
    '{{.ID}} {{.Nope}}',
    '{{.ID',
    '{{nope .ID}}',
    '{{truncate .ID}}',
  ]) {
    await images(...f(format));
  }
  await images('--digests', ...f('table {{.ID}}'));
  await images('-q', ...f('{{.Repository}}'));
  await images('--no-trunc', ...f('{{.ID}} {{.Digest}}'));
  await images('-a', ...f('{{.ID}} {{.Repository}} {{.Tag}} {{.Digest}}'));
  await s.run(['images', ...f('{{.CreatedAt}}\t{{.CreatedSince}}')], { tz: 'Asia/Kolkata' });
}

async function historyViews(s: Session, fixtures: Record<FixtureKey, DockerFixture>, built: Record<FixtureKey, BuiltImage>): Promise<void> {
  const app = s.ref(fixtures.app.tags[0]!);
  const history = (...args: string[]) => s.run(['history', ...args]);
  for (const flags of [[], ['-H=false'], ['--human=false'], ['--no-trunc'], ['-q'], ['-q', '--no-trunc'], ['--no-trunc', '-H=false']]) await history(...flags, app);
  for (const format of [
    'table',
    '{{.ID}}',
    '{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}',
    'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedAt}}\t{{.Size}}',
    'table {{.CreatedBy}}\t{{.Comment}}',
    '{{json .}}',
    '{{.CreatedAt}}',
  ]) {
    await history(...f(format), app);
  }
  await history('--no-trunc', ...f('{{.ID}}\t{{.CreatedBy}}'), app);
  await history('-H=false', ...f('{{.CreatedAt}} {{.Size}}'), app);
  await history(s.ref(fixtures.child.tags[0]!));
  await history(built.base.configDigest.slice(7, 19));
  await history(s.ref(fixtures.legacy.tags[0]!));
  await history('-H=false', s.ref(fixtures.legacy.tags[0]!));
  await s.run(['history', '-H=false', s.ref(fixtures.legacy.tags[0]!)], { tz: 'Asia/Kolkata' });
  await s.run(['history', s.ref(fixtures.legacy.tags[0]!)], { tz: 'Asia/Kolkata' });
  await history(built.orphan.configDigest);
  await history(s.ref(fixtures.sizes999.tags[0]!));
  await history(s.ref(fixtures.big.tags[0]!));
  await history(`${s.ref('golden/pinned')}@${built.pinned.manifestDigest}`);
  await history(s.ref('golden/nosuch:1'));
  await history();
}

async function laterViews(s: Session, fixtures: Record<FixtureKey, DockerFixture>, built: Record<FixtureKey, BuiltImage>): Promise<void> {
  for (let i = 0; i < ROW_ORDER_RUNS; i++) await s.run(['images'], { note: 'run again: the order of one image\'s rows in several repositories is not fixed' });
  for (let i = 0; i < ROW_ORDER_RUNS; i++) await s.run(['images', '-q'], { note: 'run again for the row order' });

  const app = s.ref(fixtures.app.tags[0]!);
  await s.run(['pull', app], { note: 'already present' });
  await s.run(['pull', '-q', s.ref(fixtures.legacy.tags[0]!)]);
  await s.run(['pull', `${s.ref('golden/pinned')}@${built.pinned.manifestDigest}`], { note: 'already present, by digest' });
  await s.run(['pull', '-a', s.ref('golden/app')], { mutates: true });
  await s.run(['pull', s.ref('golden/app:nosuch')]);
  await s.run(['pull', s.ref('golden/nosuch')]);
  await s.run(['pull', `${s.ref('golden/app')}@sha256:${'0'.repeat(64)}`]);

  await s.save('one', [s.ref(fixtures.sizes999.tags[0]!)]);
  await s.save('several', [s.ref('golden/app:1.0'), s.ref('golden/mirror:stable'), s.ref(fixtures.sizes1000.tags[0]!)], 'one image under two names, and another');
  await s.save('loaded-child', [s.ref(fixtures.child.tags[0]!)], 'an image with a parent');
  await s.save('dangling-by-digest', [`${s.ref('golden/moving')}@${built.movingOld.manifestDigest}`], 'by digest');
  await s.save('missing', [s.ref('golden/nosuch:1')]);

  await s.run(['search', s.ref('golden')], { note: 'docker-registry has no v1 search API' });
  await s.run(['search', '--no-trunc', s.ref('golden/app')]);
}

/** rmi: untag one of several, a conflict over several repositories, a container, a parent, missing images. */
async function rmiCases(s: Session, fixtures: Record<FixtureKey, DockerFixture>, built: Record<FixtureKey, BuiltImage>): Promise<void> {
  const short = (k: FixtureKey) => built[k].configDigest.slice(7, 19);
  const rmi = (args: string[], note?: string) => s.run(['rmi', ...args], { mutates: true, note });
  await rmi([s.ref('golden/app:1.1')], 'one of several tags');
  await rmi([short('app')], 'by id, tagged in several repositories, no -f');
  await rmi([s.ref(fixtures.sizes999.tags[0]!)], 'the last tag');
  await rmi([s.ref('golden/mirror:stable'), s.ref('golden/nosuch:1')], 'one that exists and one that does not');
  await rmi([`${s.ref('golden/moving')}@${built.movingOld.manifestDigest}`], 'a dangling image by its digest');
  await rmi([short('orphan')], 'an image with no reference, by id');
  await rmi([short('base')], 'a parent, no -f');
  await rmi(['-f', short('base')], 'a parent, -f');
  await rmi([s.ref('golden/nosuch:1')]);
  await rmi(['nosuch']);
  await rmi(['0123456789ab']);
  await rmi([]);

  const legacy = s.ref(fixtures.legacy.tags[0]!);
  const created = await s.run(['create', '--network', 'none', legacy], { mutates: true, note: 'a stopped container for the rmi cases below' });
  if (created.exitCode !== 0) throw new Error(`docker create: ${created.stderr}`);
  await s.run(['ps', '-a', '--no-trunc', ...f('{{.ID}} {{.Image}} {{.Status}}')]);
  await rmi([legacy], 'tag of an image a stopped container uses, no -f');
  await rmi([short('legacy')], 'id of an image a stopped container uses, no -f');
  await rmi(['-f', legacy], 'the same tag with -f');
  await s.run(['images', '-a'], { note: 'after rmi -f of the tag' });
  await rmi(['-f', short('legacy')], 'the same id with -f');
  await s.run(['images', '-a'], { note: 'after rmi -f of the id' });
  await s.run(['ps', '-a', '--no-trunc', ...f('{{.ID}} {{.Image}} {{.Status}}')]);
  await rmi(['-f', short('app')], 'by id with -f, tagged in several repositories');
  await s.run(['images', '-a'], { note: 'at the end' });
}

/**
 * Interop, both ways, with ctrimg as built (dist/): ctrimg pulls fixtures from the same registry
 * and saves them with `ctrimg save` (by tag, several at once, and by id); docker loads what
 * ctrimg wrote and lists it. The archives are kept with docker's (normalized the same way), so
 * the tests can check that ctrimg still writes exactly the bytes docker loaded.
 */
async function ctrimgInterop(s: Session, fixtures: Record<FixtureKey, DockerFixture>, built: Record<FixtureKey, BuiltImage>, host: string): Promise<void> {
  const root = join(s.work, 'ctrimg-store');
  await mkdir(root);
  const ctrimg = async (...args: string[]) => {
    const r = await runProgram(process.execPath, [CTRIMG, ...args], { PATH: process.env.PATH, TZ: 'UTC', CTRIMG_ROOT: root });
    if (r.exitCode !== 0) throw new Error(`ctrimg ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  await ctrimg('Register-ContainerImageSource', '-Name', 'golden', '-Location', `http://${host}`, '-Insecure');
  for (const t of ['golden/app:1.0', 'golden/mirror:stable', fixtures.sizes1000.tags[0]!, fixtures.orphan.tags[0]!]) await ctrimg('pull', s.ref(t));
  const several = [s.ref('golden/app:1.0'), s.ref('golden/mirror:stable'), s.ref(fixtures.sizes1000.tags[0]!)];
  await s.keepForeign('ctrimg-several', await ctrimg('save', '-o', join(s.work, 'ctrimg-several.tar'), ...several), 'ctrimg save of one image under two names, and another');
  await s.keepForeign('ctrimg-by-id', await ctrimg('save', '-o', join(s.work, 'ctrimg-by-id.tar'), built.orphan.configDigest), 'ctrimg save by id: no RepoTags');
  await s.run(['rmi', '-f', ...several, built.orphan.configDigest], { mutates: true, note: 'docker has none of what ctrimg saved' });
  await s.run(['load', '-i', join(s.work, 'ctrimg-several.tar')], { mutates: true, note: "docker load of ctrimg's save" });
  await s.run(['load', '-i', join(s.work, 'ctrimg-by-id.tar')], { mutates: true, note: "docker load of ctrimg's save by id" });
  await s.run(['images', '-a', '--digests', ...f('{{.Repository}} {{.Tag}} {{.ID}} {{.Size}} {{.Digest}}')], { note: "what docker lists of ctrimg's archives" });
  await s.run(['history', '--no-trunc', ...f('{{.ID}} {{.CreatedBy}} {{.Size}}'), s.ref('golden/app:1.0')], { note: "history of an image docker loaded from ctrimg's archive" });
}

async function main(): Promise<void> {
  const started = Date.now();
  if (process.getuid?.() !== 0) throw new Error('run as root: dockerd needs it');
  await ensureDockerInstalled();
  const work = await mkdtemp('/tmp/ctrimg-golden-');
  let registry: RunningRegistry | undefined;
  let dockerd: RunningDockerd | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      await dockerd?.stop().catch((e: Error) => process.stderr.write(`stopping dockerd: ${e.message}\n`));
      await registry?.stop().catch((e: Error) => process.stderr.write(`stopping the registry: ${e.message}\n`));
      await unmountUnder(work);
      await rm(work, { recursive: true, force: true });
    })());
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  process.once('SIGTERM', () => void stopAll().then(() => process.exit(143)));
  const overall = setTimeout(() => {
    process.stderr.write(`regenerate-docker: not done in ${TOTAL_TIMEOUT_MS} ms, stopping\n`);
    void stopAll().then(() => process.exit(1));
  }, TOTAL_TIMEOUT_MS);
  try {
    registry = await startRegistry();
    const port = registry.host.split(':')[1]!;
    if (!/^\d{5}$/.test(port)) throw new Error(`the registry's port ${port} is not 5 digits: the placeholder ${PORT_TOKEN} would change column widths`);
    dockerd = await startDockerd(join(work, 'd'));
    const storageDriver = (await dockerd.docker(['info', '--format', '{{.Driver}}'])).stdout.trim();

    const now = Date.now();
    const fixtures = await dockerFixtures(now);
    const built = Object.fromEntries(Object.entries(fixtures).map(([k, fx]) => [k, buildImage(fx.spec)])) as Record<FixtureKey, BuiltImage>;
    const s = new Session(dockerd, registry.host, work, built);
    const version = await s.run(['version', '--format', '{{.Client.Version}} {{.Server.Version}} {{.Server.APIVersion}}']);
    const [client, server, apiVersion] = version.stdout.trim().split(' ') as [string, string, string];
    if (!server.startsWith('20.10.')) throw new Error(`docker ${server}, not 20.10`);

    await arrive(s, fixtures, built, registry.host, work);
    const arrived = Date.now() - now;
    await imagesViews(s, fixtures, built);
    await historyViews(s, fixtures, built);
    const late = s.cases[s.cases.length - 1]!.nowAfter - Math.floor(now / 1000) * 1000;
    process.stdout.write(`images arrived ${arrived} ms after now; the views that print CREATED were done ${late} ms after it\n`);
    if (late > CREATED_WINDOW_MS) {
      throw new Error(`the CREATED views ended ${late} ms after now, past ${CREATED_WINDOW_MS}: the 1-second and 1-minute images changed bucket; run again on a quieter machine`);
    }
    await laterViews(s, fixtures, built);
    await rmiCases(s, fixtures, built);
    await ctrimgInterop(s, fixtures, built, registry.host);
    await s.keepArchives(OUT);

    const images = Object.fromEntries(
      (Object.entries(fixtures) as Array<[FixtureKey, DockerFixture]>).map(([k, fx]): [FixtureKey, GoldenImage] => [
        k,
        {
          arrival: fx.arrival,
          purpose: fx.purpose,
          id: built[k].configDigest,
          manifestDigest: built[k].manifestDigest,
          created: fx.spec.created!,
          references: fx.tags.map((t) => `${REGISTRY}/${t}`),
          layerDigests: built[k].layerDigests,
          diffIds: built[k].diffIds,
        },
      ]),
    ) as Record<FixtureKey, GoldenImage>;
    const golden: GoldenFile = {
      generatedBy: 'npm run golden:docker (test/golden/regenerate-docker.ts), from test/support/docker-fixtures.ts',
      docker: { client, server, apiVersion, storageDriver },
      tz: 'UTC',
      placeholders: {
        [PORT_TOKEN]: "the registry's port (5 digits, so widths are docker's)",
        [TMP_TOKEN]: 'the temp directory of the run',
        [CONTAINER_TOKEN]: 'the 12-digit id of the one container (rmi cases)',
        [CONTAINER_FULL_TOKEN]: 'its full id',
      },
      now,
      tookMs: Date.now() - started,
      images,
      states: s.states,
      cases: s.cases,
      archives: s.archives,
    };
    await mkdir(OUT, { recursive: true });
    await writeFile(join(OUT, 'cases.json'), `${JSON.stringify(golden, null, 1)}\n`);
    process.stdout.write(`wrote ${s.cases.length} cases and ${s.archives.length} archives to ${OUT} in ${golden.tookMs} ms (docker ${server})\n`);
  } finally {
    clearTimeout(overall);
    await stopAll();
  }
}

/** Unmounts whatever dockerd left mounted under `dir` (overlay2 layers, if it was killed), deepest first. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((p) => p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await runProgram('umount', ['-l', m], { PATH: process.env.PATH });
}

main().catch((err) => {
  process.stderr.write(`regenerate-docker: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});

/**
 * test/golden/docker/ (docker 20.10's outputs, made by test/golden/regenerate-docker.ts) is
 * well-formed and still describes the images test/support/docker-fixtures.ts builds for its
 * recorded clock: the same ids, digests and layers, and no digest that no fixture gives. A
 * change to the fixtures (or to how they are built) fails here until the goldens are made again
 * with `npm run golden:docker`. No docker runs here.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tar from 'tar-stream';
import { dockerFixtures, type FixtureKey } from '../../support/docker-fixtures.js';
import { builtFixtures, chainIds, knownDigests, REGISTRY, type GoldenFile } from '../../support/docker-golden.js';
import type { BuiltImage } from '../../support/oci-layout.js';

const DIR = new URL('../../../../test/golden/docker/', import.meta.url);
const text = readFileSync(new URL('cases.json', DIR), 'utf8');
const golden = JSON.parse(text) as GoldenFile;
const fixtures = await dockerFixtures(golden.now);
const built = await builtFixtures(golden.now);
const keys = Object.keys(fixtures).sort() as FixtureKey[];

/** The default table's rows: each line's cells (separated by docker's padding of at least 3 spaces). */
const rows = (stdout: string) =>
  stdout
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => l.split(/ {3,}/));

interface TarItem {
  type: string;
  linkname?: string;
  data: Buffer;
}

async function readTar(bytes: Buffer): Promise<Map<string, TarItem>> {
  const out = new Map<string, TarItem>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => {
        chunks.push(c as Buffer);
      });
      stream.on('end', () => {
        out.set(header.name, { type: header.type ?? 'file', linkname: header.linkname ?? undefined, data: Buffer.concat(chunks) });
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(bytes);
  await done;
  return out;
}

describe(`docker's golden outputs (${golden.docker.server}, test/golden/docker)`, () => {
  it("are docker 20.10's, for a fixture clock before every command", () => {
    assert.match(golden.docker.server, /^20\.10\./);
    assert.equal(golden.docker.storageDriver, 'overlay2');
    assert.equal(golden.tz, 'UTC');
    assert.ok(Number.isInteger(golden.now) && golden.now > Date.UTC(2024, 0, 1), `now ${golden.now}`);
    assert.ok(golden.cases.length > 100, `${golden.cases.length} cases`);
  });

  it('name the images the fixtures build for the recorded clock', () => {
    assert.deepEqual(Object.keys(golden.images).sort(), keys);
    for (const k of keys) {
      const b: BuiltImage = built[k];
      const g = golden.images[k];
      assert.deepEqual(
        { id: g.id, manifestDigest: g.manifestDigest, layerDigests: g.layerDigests, diffIds: g.diffIds, created: g.created, arrival: g.arrival, references: g.references },
        {
          id: b.configDigest,
          manifestDigest: b.manifestDigest,
          layerDigests: b.layerDigests,
          diffIds: b.diffIds,
          created: fixtures[k].spec.created,
          arrival: fixtures[k].arrival,
          references: fixtures[k].tags.map((t) => `${REGISTRY}/${t}`),
        },
        `fixture ${k}`,
      );
    }
  });

  it('hold well-formed cases, each after the clock and against a recorded state', () => {
    const names = new Set<string>();
    for (const c of golden.cases) {
      assert.ok(!names.has(c.name), `duplicate case ${c.name}`);
      names.add(c.name);
      assert.ok(Array.isArray(c.argv) && c.argv.length > 0 && c.argv.every((a) => typeof a === 'string'), c.name);
      assert.equal(typeof c.stdout, 'string', c.name);
      assert.equal(typeof c.stderr, 'string', c.name);
      assert.ok(Number.isInteger(c.exitCode) && c.exitCode >= 0, `${c.name}: exit ${c.exitCode}`);
      assert.ok(golden.now <= c.nowBefore && c.nowBefore <= c.nowAfter, `${c.name}: ${golden.now} ${c.nowBefore} ${c.nowAfter}`);
      assert.ok(c.state in golden.states, `${c.name}: state ${c.state}`);
      assert.ok(c.tz === 'UTC' || c.tz === 'Asia/Kolkata', `${c.name}: tz ${c.tz}`);
      for (const m of c.mentions) assert.ok(keys.includes(m), `${c.name}: mentions ${m}`);
    }
    const ordered = golden.cases.map((c) => c.nowBefore);
    assert.deepEqual(ordered, [...ordered].sort((a, b) => a - b), 'cases in the order they ran');
  });

  it("name no digest but the fixtures' ids, manifests, layers and chain ids", () => {
    const known = knownDigests(built);
    const found = new Set(text.match(/sha256:[0-9a-f]{64}/g));
    const unknown = [...found].filter((d) => !known.has(d) && d !== `sha256:${'0'.repeat(64)}`);
    assert.deepEqual(unknown, []);
    for (const k of keys) assert.ok(found.has(built[k].configDigest), `${k}'s id appears`);
  });

  it("keep the registry's port, the temp directory and any other address out", () => {
    assert.doesNotMatch(text, /127\.0\.0\.1:\d/);
    assert.doesNotMatch(text, /\/tmp\/ctrimg-golden-/);
    const addresses = text.match(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g) ?? [];
    assert.deepEqual(
      addresses.filter((a) => !a.startsWith('127.')),
      [],
    );
  });

  it('list in the default table only fixture images, newest first, each in the bucket the fixture meant', () => {
    const byShortId = new Map(keys.map((k) => [built[k].configDigest.slice(7, 19), k]));
    const created = (k: FixtureKey) => Date.parse(fixtures[k].spec.created!);
    const table = golden.cases.find((c) => c.name === 'images')!;
    const seen = rows(table.stdout).map(([repo, tag, id, since, size]) => {
      const k = byShortId.get(id!);
      assert.ok(k, `row ${repo} ${tag} ${id}: no fixture has that id`);
      return { k, since, size };
    });
    const times = seen.map((r) => created(r.k));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    const since = Object.fromEntries(seen.map((r) => [r.k, r.since]));
    assert.match(since.sizes999!, /^\d+ seconds ago$/);
    assert.equal(since.sizes1000, 'About a minute ago');
    assert.equal(since.sizes999999, 'About an hour ago');
    assert.equal(since.app, '5 hours ago');
    const size = Object.fromEntries(seen.map((r) => [r.k, r.size]));
    assert.deepEqual([size.sizes999, size.sizes1000, size.sizes999999, size.big, size.orphan], ['999B', '1kB', '1e+03kB', '44.9MB', '0B']);
  });

  it("record states whose images are fixtures, with docker's chain of the child's parent", () => {
    const ids = new Set(keys.map((k) => built[k].configDigest));
    for (const [name, state] of Object.entries(golden.states)) {
      for (const i of state.images) assert.ok(ids.has(i.id), `state ${name}: ${i.id}`);
    }
    const withParent = Object.values(golden.states).flatMap((s) => s.images.filter((i) => i.parent !== ''));
    assert.ok(withParent.length > 0);
    for (const i of withParent) assert.deepEqual([i.id, i.parent], [built.child.configDigest, built.base.configDigest]);
  });

  it("keep docker's save archives, whose configs and layer tars are the fixtures'", async () => {
    assert.ok(golden.archives.length >= 4);
    const byConfig = new Map(keys.map((k) => [`${built[k].configDigest.slice(7)}.json`, k]));
    for (const a of golden.archives) {
      const bytes = readFileSync(new URL(a.file, DIR));
      assert.equal(bytes.length, a.bytes, a.file);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), a.sha256, a.file);
      const items = await readTar(bytes);
      const listed = a.listing
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(/\s+/)[5]!);
      assert.deepEqual(listed.sort(), [...items.keys()].sort(), `${a.file}: listing`);
      const manifest = JSON.parse(items.get('manifest.json')!.data.toString('utf8')) as Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }>;
      assert.ok(manifest.length > 0, a.file);
      for (const m of manifest) {
        const k = byConfig.get(m.Config);
        assert.ok(k, `${a.file}: config ${m.Config} is no fixture's`);
        assert.deepEqual(items.get(m.Config)!.data, built[k].configBytes, `${a.file}: ${k}'s config bytes`);
        for (const t of m.RepoTags ?? []) assert.ok(t.startsWith(`${REGISTRY}/`), `${a.file}: tag ${t}`);
        const layers = m.Layers.map((l) => {
          const item = items.get(l)!;
          return item.type === 'symlink' ? items.get(new URL(item.linkname!, `file:///${l}`).pathname.slice(1))!.data : item.data;
        });
        assert.deepEqual(
          layers.map((l) => `sha256:${createHash('sha256').update(l).digest('hex')}`),
          built[k].diffIds,
          `${a.file}: ${k}'s layer tars are its diff ids`,
        );
      }
    }
  });

  it("name in rmi's Deleted lines the image id, then its chain ids from the top layer down", () => {
    const deleted = golden.cases.find((c) => c.name.startsWith('rmi -f') && c.mentions.includes('app') && c.stdout.includes('Deleted:'))!;
    const lines = deleted.stdout.split('\n').filter((l) => l.startsWith('Deleted: '));
    assert.deepEqual(lines, [built.app.configDigest, ...chainIds(built.app.diffIds).reverse()].map((d) => `Deleted: ${d}`));
  });
});

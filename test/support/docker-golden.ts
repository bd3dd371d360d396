/**
 * The shape of test/golden/docker/cases.json, written by test/golden/regenerate-docker.ts from a
 * real docker 20.10 and read by the tests that hold ctrimg's docker views to it, and the
 * digests its fixtures (test/support/docker-fixtures.ts) give for its recorded clock.
 *
 * Stored text is normalized: the registry's ephemeral port (always 5 digits on Linux) becomes
 * PORT_TOKEN, of the same length, so column widths are docker's; the run's temp directory
 * becomes TMP_TOKEN and the one container's id CONTAINER_TOKEN (12 hex digits) or
 * CONTAINER_FULL_TOKEN (64). Arguments are stored normalized too: put the port back to replay.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage, MEDIA_TYPES, skopeoPush, writeLayout, type BuiltImage, type Digest } from './oci-layout.js';
import { dockerFixtures, type Arrival, type FixtureKey } from './docker-fixtures.js';

export const PORT_TOKEN = '{PRT}';
export const TMP_TOKEN = '{TMP}';
export const CONTAINER_TOKEN = '{CONTAINER}';
export const CONTAINER_FULL_TOKEN = '{CONTAINER-FULL}';
/** The registry as the goldens name it. */
export const REGISTRY = `127.0.0.1:${PORT_TOKEN}`;

/** One command docker ran: what it printed and when (ms), against which state of docker's images. */
export interface GoldenCase {
  /** Unique: the arguments, and a number where the same arguments ran again. */
  name: string;
  /** docker's subcommand, or the program (tar) for archive listings. */
  view: string;
  argv: string[];
  /** TZ the client ran with. */
  tz: string;
  stdout: string;
  stderr: string;
  exitCode: number;
  nowBefore: number;
  nowAfter: number;
  /** Key of `states`: docker's images (and containers) just before the command. */
  state: string;
  /** Fixtures whose id or manifest digest (full or 12-digit) the output names. */
  mentions: FixtureKey[];
  /** What the case is there to show, where the arguments do not say it. */
  note?: string;
}

export interface GoldenImageState {
  id: Digest;
  repoTags: string[];
  repoDigests: string[];
  parent: string;
  created: string;
  size: number;
  virtualSize: number;
}

export interface GoldenState {
  images: GoldenImageState[];
  /** `{ id, image }` of each container, as `docker ps -a` shows them. */
  containers: Array<{ id: string; image: string }>;
}

export interface GoldenImage {
  arrival: Arrival;
  purpose: string;
  /** Config digest: docker's image id. */
  id: Digest;
  manifestDigest: Digest;
  created: string;
  /** `127.0.0.1:{PRT}/repo:tag`, as pushed. */
  references: string[];
  layerDigests: Digest[];
  diffIds: Digest[];
}

export interface GoldenArchive {
  /** Relative to test/golden/docker/. */
  file: string;
  /** The case that wrote it. */
  savedBy: string;
  /** Of the stored (normalized) bytes. */
  sha256: string;
  bytes: number;
  /** `tar -tvf` of it, TZ=UTC. */
  listing: string;
}

export interface GoldenFile {
  generatedBy: string;
  docker: { client: string; server: string; apiVersion: string; storageDriver: string };
  /** The TZ every command ran with unless its case says otherwise. */
  tz: string;
  placeholders: Record<string, string>;
  /** The fixture clock (ms) the images were built for. */
  now: number;
  /** Wall time the whole regeneration took, ms. */
  tookMs: number;
  images: Record<FixtureKey, GoldenImage>;
  states: Record<string, GoldenState>;
  cases: GoldenCase[];
  archives: GoldenArchive[];
}

/** Each fixture built for `now`. */
export async function builtFixtures(now: number): Promise<Record<FixtureKey, BuiltImage>> {
  const fixtures = await dockerFixtures(now);
  return Object.fromEntries(Object.entries(fixtures).map(([k, f]) => [k, buildImage(f.spec)])) as Record<FixtureKey, BuiltImage>;
}

/** The chain ids of a layer stack (what docker's `Deleted:` lines name for layers). */
export function chainIds(diffIds: Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev ? (`sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}` as Digest) : d);
  }
  return out;
}

/** Every digest the fixtures give: ids, manifest digests, layer blobs, diff ids and chain ids. */
export function knownDigests(built: Record<string, BuiltImage>): Set<string> {
  const all = new Set<string>();
  for (const b of Object.values(built)) {
    for (const d of [b.configDigest, b.manifestDigest, ...b.layerDigests, ...b.diffIds, ...chainIds(b.diffIds)]) all.add(d);
  }
  return all;
}

/** Pushes a built fixture under each of its `repo:tag`s with skopeo, through an OCI layout made under `work`. */
export async function pushFixture(host: string, work: string, key: string, built: BuiltImage, tags: string[]): Promise<void> {
  const top = { mediaType: MEDIA_TYPES.manifest, digest: built.manifestDigest, size: built.manifestBytes.length };
  for (const [i, repoTag] of tags.entries()) {
    const [repo, tag] = repoTag.split(':') as [string, string];
    const dir = join(work, 'layouts', `${key}-${i}`);
    await writeLayout(dir, built.blobs, top, tag);
    await skopeoPush(dir, tag, host, repo);
    await rm(dir, { recursive: true, force: true });
  }
}

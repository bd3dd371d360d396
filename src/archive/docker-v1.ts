/**
 * The legacy (v1) metadata a docker-save archive carries beside manifest.json: one directory
 * per layer of each image, named by a v1 id, holding `VERSION` (`1.0`) and `json`, and the
 * `repositories` file mapping each repository and tag to its image's top v1 id. Docker 20.10
 * reads none of it when manifest.json is there, but writes it; it is made here as
 * image/tarexport/save.go (saveImage, saveLayer) and image/v1/imagev1.go (CreateID) make it:
 *
 * - each layer's `json` is the V1Image struct marshalled by Go: `created` (the epoch for every
 *   layer below the top), `container_config` always (an empty container config when there is
 *   none), `os`, and for the top layer the image's own V1 fields, in the struct's order;
 * - its v1 id is the sha256 of that JSON without id and parent, as an object with sorted keys,
 *   with `layer_id` (the layer's chain id) and `parent` (the v1 id below, as a digest) added.
 *
 * JSON is written as Go's encoding/json writes it: compact, with `<`, `>`, `&`, U+2028 and U+2029
 * escaped.
 */
import { sha256, type Digest } from '../image/digest.js';
import { chainIds } from '../image/chain.js';

export interface V1Layer {
  /** 64 hex digits: the layer's directory in the archive. */
  id: string;
  /** The `json` file's bytes. */
  json: Buffer;
}

/** The fields of docker's container.Config (api/types/container at v20.10) in order; `true` where `omitempty`. */
const CONTAINER_CONFIG: [string, boolean][] = [
  ['Hostname', false],
  ['Domainname', false],
  ['User', false],
  ['AttachStdin', false],
  ['AttachStdout', false],
  ['AttachStderr', false],
  ['ExposedPorts', true],
  ['Tty', false],
  ['OpenStdin', false],
  ['StdinOnce', false],
  ['Env', false],
  ['Cmd', false],
  ['Healthcheck', true],
  ['ArgsEscaped', true],
  ['Image', false],
  ['Volumes', false],
  ['WorkingDir', false],
  ['Entrypoint', false],
  ['NetworkDisabled', true],
  ['MacAddress', true],
  ['OnBuild', false],
  ['Labels', false],
  ['StopSignal', true],
  ['StopTimeout', true],
  ['Shell', true],
];
const STRING_FIELDS = new Set(['Hostname', 'Domainname', 'User', 'Image', 'WorkingDir', 'MacAddress', 'StopSignal']);
const BOOL_FIELDS = new Set(['AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty', 'OpenStdin', 'StdinOnce', 'ArgsEscaped', 'NetworkDisabled']);
/** Go's strslice.StrSlice: a JSON string is read as a list of one. */
const STR_SLICES = new Set(['Cmd', 'Entrypoint', 'Shell']);

/** The V1Image fields a top layer takes from the image config, in the struct's order (id and parent are set apart). */
const V1_FIELDS = ['comment', 'created', 'container', 'container_config', 'docker_version', 'author', 'config', 'architecture', 'variant', 'os', 'Size'] as const;
const EPOCH = '1970-01-01T00:00:00Z';
/** Go's zero time.Time, as an image without `created` has it. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** The v1 layers of an image, bottom first, from its config's bytes. */
export function v1Layers(configBytes: Buffer): V1Layer[] {
  const config = JSON.parse(configBytes.toString('utf8')) as Record<string, unknown>;
  const diffIds = ((config.rootfs as { diff_ids?: Digest[] } | undefined)?.diff_ids ?? []) as Digest[];
  const chains = chainIds(diffIds);
  const layers: V1Layer[] = [];
  let parent: string | undefined;
  for (const [i, chainId] of chains.entries()) {
    const top = i === chains.length - 1;
    const fields = top ? topFields(config) : { created: EPOCH, container_config: containerConfig(undefined) };
    if (typeof config.os === 'string' && config.os !== '') fields.os = config.os;
    const v1 = ordered(fields);
    const forId = { ...v1, layer_id: chainId, ...(parent && { parent: `sha256:${parent}` }) };
    const id = sha256(goJson(sortKeys(forId))).slice('sha256:'.length);
    const json = goJson({ id, ...(parent && { parent }), ...v1 });
    layers.push({ id, json: Buffer.from(json) });
    parent = id;
  }
  return layers;
}

/** The `repositories` file: repository -> tag -> the top v1 id of the image it names. */
export function repositoriesJson(tags: { repository: string; tag: string; topId: string }[]): Buffer {
  const repos = new Map<string, Map<string, string>>();
  for (const t of tags) {
    if (!repos.has(t.repository)) repos.set(t.repository, new Map());
    repos.get(t.repository)!.set(t.tag, t.topId);
  }
  // Go writes a map's keys sorted.
  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const json = Object.fromEntries(sorted(repos).map(([repo, byTag]) => [repo, Object.fromEntries(sorted(byTag))]));
  return Buffer.from(`${goJson(json)}\n`);
}

/** JSON as Go's json.Marshal writes it (see the top of this file). */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The image's V1Image fields as Go would read them into the struct and write them out. */
function topFields(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of V1_FIELDS) {
    const v = config[f];
    if (f === 'container_config') out[f] = containerConfig(v);
    else if (f === 'config') {
      if (v !== undefined && v !== null) out[f] = containerConfig(v);
    } else if (f === 'created') out[f] = v ?? ZERO_TIME;
    else if (!isEmpty(v)) out[f] = v;
  }
  return out;
}

/** A container config as Go's struct writes it: every field in order, the omitempty ones only when set, unknown ones dropped. */
function containerConfig(v: unknown): Record<string, unknown> {
  const given = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  // Go matches JSON keys to fields without regard to case.
  const byLower = new Map(Object.entries(given).map(([k, val]) => [k.toLowerCase(), val]));
  const out: Record<string, unknown> = {};
  for (const [field, omitEmpty] of CONTAINER_CONFIG) {
    let val = byLower.get(field.toLowerCase());
    if (STR_SLICES.has(field) && typeof val === 'string') val = [val];
    if (omitEmpty && isEmpty(val)) continue;
    out[field] = val ?? (STRING_FIELDS.has(field) ? '' : BOOL_FIELDS.has(field) ? false : null);
  }
  return out;
}

/** What Go's omitempty leaves out: false, 0, "", null, and empty lists and maps. */
function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v).length === 0;
}

/** V1Image's field order: whatever of it is present. */
function ordered(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of V1_FIELDS) if (f in fields) out[f] = fields[f];
  return out;
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

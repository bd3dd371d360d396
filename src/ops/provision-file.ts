/**
 * Reading a provisioning file: the images a host should have, as YAML or JSON, into desired
 * images. A file named *.json must be strict JSON (no trailing comma, comment or single quote,
 * which YAML would accept), then is read as the YAML it also is, so both report faults alike. Every fault names the
 * file, the line and column, and the field: `images.json:4:7: images[1].version: '>=banana' is
 * not a version range`. Duplicate and unknown fields are faults too (an unknown one with the
 * nearest known name), so a typo never silently drops a constraint. The first fault is reported;
 * nothing is read further.
 *
 *   images:
 *     - name: NanoServer          # or reference: host[:port]/repo[:tag|@digest]
 *       version: ">=10.0.17763"   # name only: exact, >=, <=, or both bounds
 *       source: mcr               # name only: a registered source
 *       platform: windows/amd64   # either
 *     - reference: 127.0.0.1:5000/samples/webapp:1.2.0
 *       insecure: true            # reference only: plain http
 */
import { readFile } from 'node:fs/promises';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { CtrimgError, notFound, usage } from '../errors.js';
import { parsePlatform, type Platform } from '../image/platform.js';
import { formatReference, parseReference, type Reference } from '../image/reference.js';
import { formatVersionRange, parseVersionRange, type VersionFilter } from '../image/version.js';
import { closest } from '../suggest.js';
import { isWildcard } from './wildcard.js';

interface Common {
  /** Where the entry is: `images.json:2:5`, for messages about it. */
  at: string;
  platform?: Platform;
}

/** One image the file lists: by a name the registered sources offer, or by a reference. */
export type DesiredImage =
  | (Common & {
      by: 'name';
      name: string;
      versions: VersionFilter;
      source?: string;
      /** Where the source field is, for the error when no source has that name. */
      sourceAt?: string;
    })
  | (Common & { by: 'reference'; reference: Reference; insecure: boolean });

const ROOT_FIELDS = ['images'];
const ENTRY_FIELDS = ['name', 'reference', 'version', 'source', 'platform', 'insecure'];

/** Reads and checks the file; a missing file is not found, any fault in it a usage error. */
export async function readProvisioningFile(path: string): Promise<DesiredImage[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw notFound(`no provisioning file at '${path}'`, { hint: 'give the path of a YAML or JSON file listing the images' });
    throw usage(`cannot read the provisioning file '${path}': ${(err as Error).message}`, { code: 'PROVISION_FILE_INVALID', cause: err });
  }
  return parseProvisioningFile(text, path);
}

/** The desired images of a file's text; `file` names it in messages. */
export function parseProvisioningFile(text: string, file: string): DesiredImage[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const where = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const locate: Locate = (node) => (node?.range ? where(node.range[0]) : file);
  const fault: Fault = (node, message) => usage(`${locate(node)}: ${message}`, { code: 'PROVISION_FILE_INVALID' });

  if (/\.json$/i.test(file)) checkJson(text, where);
  const syntax = doc.errors[0];
  if (syntax) throw usage(`${where(syntax.pos[0])}: not valid YAML or JSON: ${syntax.message.split('\n')[0]}`, { code: 'PROVISION_FILE_INVALID' });
  const root = doc.contents;
  if (!isMap(root)) throw fault(root, "the file must be a mapping with an 'images' list");
  const images = fields(root, '', ROOT_FIELDS, fault).get('images');
  if (!images) throw fault(root, "no 'images' list");
  if (!isSeq(images.value)) throw fault(images.value ?? images.key, "images: expected a list of images, each with 'name' or 'reference'");
  return images.value.items.map((item, i) => {
    const path = `images[${i}]`;
    if (!isMap(item)) throw fault(item as Node, `${path}: expected a mapping with 'name' or 'reference'`);
    return entry(item, path, locate, fault);
  });
}

/** A fault JSON.parse finds, at its place: V8 names an offset (`at position 42`), else the end of the text. */
function checkJson(text: string, where: (offset: number) => string): void {
  try {
    JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const message = (err as Error).message;
    const position = /at position (\d+)/.exec(message);
    // V8 quotes the whole text in some messages ('Unexpected token ']', "{..." is not valid JSON): the token alone is kept.
    const what = message.replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$|(?: after JSON)? at position \d+.*$/s, '');
    const offset = position ? Number(position[1]) + (text.startsWith('\uFEFF') ? 1 : 0) : tokenOffset(text, message);
    throw usage(`${where(offset)}: not valid JSON: ${what}`, { code: 'PROVISION_FILE_INVALID' });
  }
}

/** Where a fault V8 reports without an offset is: the token it names (`Unexpected token ']'`), found by a strict scan, else the end. */
function tokenOffset(text: string, message: string): number {
  const token = /^Unexpected token '(.)'/.exec(message)?.[1];
  if (token === undefined) return text.length;
  // The shortest prefix JSON.parse rejects with the same message ends at the token.
  for (let i = text.indexOf(token); i !== -1; i = text.indexOf(token, i + 1)) {
    try {
      JSON.parse(text.slice(0, i + 1));
    } catch (e) {
      if ((e as Error).message.startsWith(`Unexpected token '${token}'`)) return i;
    }
  }
  return text.length;
}

/** `file:line:col` of a node (the file alone when it has no place, as an empty document). */
type Locate = (node: Node | null | undefined) => string;
type Fault = (node: Node | null | undefined, message: string) => CtrimgError;

/** A mapping's fields by name, refusing a repeated or unknown one (with the nearest known name). */
function fields(map: YAMLMap, path: string, known: string[], fault: Fault): Map<string, Pair<Node, Node | null>> {
  const out = new Map<string, Pair<Node, Node | null>>();
  const prefix = path ? `${path}: ` : '';
  for (const pair of map.items as Pair<Node, Node | null>[]) {
    const key = pair.key;
    if (!isScalar(key) || typeof key.value !== 'string') throw fault(key, `${prefix}field names must be text`);
    const name = key.value;
    if (!known.includes(name)) {
      const near = closest(name, known);
      throw fault(key, `${prefix}unknown field '${name}'; ${near ? `did you mean '${near}'?` : `expected ${known.map((k) => `'${k}'`).join(', ')}`}`);
    }
    if (out.has(name)) throw fault(key, `${prefix}'${name}' is given twice`);
    if (isAlias(pair.value)) throw fault(pair.value, `${path ? `${path}.` : ''}${name}: aliases (*name) are not supported; write the value`);
    out.set(name, pair);
  }
  return out;
}

function entry(map: YAMLMap, path: string, locate: Locate, fault: Fault): DesiredImage {
  const given = fields(map, path, ENTRY_FIELDS, fault);
  const node = (name: string) => given.get(name)?.value ?? given.get(name)?.key;
  /** A field's text: any scalar but null, as written (so `version: 1.10` stays 1.10). */
  const text = (name: string): string | undefined => {
    const pair = given.get(name);
    if (!pair) return undefined;
    const v = pair.value;
    if (!isScalar(v) || v.value === null || typeof v.value === 'object') throw fault(v ?? pair.key, `${path}.${name}: expected text`);
    const s = (typeof v.value === 'string' ? v.value : (v.source ?? String(v.value))).trim();
    if (s === '') throw fault(v, `${path}.${name}: is empty`);
    return s;
  };
  /** A parser's usage error told at the field. */
  const parsed = <T>(name: string, value: string, parse: (s: string) => T): T => {
    try {
      return parse(value);
    } catch (err) {
      if (err instanceof CtrimgError && err.kind === 'usage') throw fault(node(name), `${path}.${name}: ${err.message}`);
      throw err;
    }
  };
  const only = (name: string, with_: string, why: string) => {
    if (given.has(name)) throw fault(given.get(name)!.key, `${path}.${name}: only with '${with_}' (${why})`);
  };

  const name = text('name');
  const reference = text('reference');
  if (name !== undefined && reference !== undefined) throw fault(given.get('reference')!.key, `${path}: give 'name' or 'reference', not both`);
  if (name === undefined && reference === undefined) throw fault(map, `${path}: give 'name' or 'reference'`);
  const platformText = text('platform');
  const platform = platformText === undefined ? undefined : parsed('platform', platformText, parsePlatform);
  const common = { at: locate(map), ...(platform && { platform }) };

  if (reference !== undefined) {
    only('version', 'name', 'a reference names its tag or digest');
    only('source', 'name', 'a reference names its registry');
    const insecureNode = given.get('insecure')?.value;
    const insecure = insecureNode === undefined ? false : isScalar(insecureNode) ? insecureNode.value : undefined;
    if (typeof insecure !== 'boolean') throw fault(insecureNode, `${path}.insecure: expected true or false`);
    return { ...common, by: 'reference', reference: parsed('reference', reference, (r) => parseReference(r)), insecure };
  }
  only('insecure', 'reference', 'a source says itself whether it is plain http');
  if (isWildcard(name!)) throw fault(node('name'), `${path}.name: '${name}' is a pattern; give the exact name`);
  const versionText = text('version');
  let versions: VersionFilter = {};
  if (versionText !== undefined) {
    const range = parsed('version', versionText, parseVersionRange);
    if (!range) throw fault(node('version'), `${path}.version: '${versionText}' is not a version range (an exact version, >=X, <=X, or '>=X <=Y')`);
    versions = range;
  }
  const source = text('source');
  return {
    ...common,
    by: 'name',
    name: name!,
    versions,
    ...(source !== undefined && { source, sourceAt: locate(node('source')) }),
  };
}

/** How an entry is shown: `NanoServer >=10.0.17763.0`, `host/repo:tag`. */
export function describeDesired(d: DesiredImage): string {
  if (d.by === 'reference') return formatReference(d.reference);
  const range = formatVersionRange(d.versions);
  return range ? `${d.name} ${range}` : d.name;
}

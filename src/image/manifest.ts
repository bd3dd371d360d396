/**
 * Manifests, indexes and image configs parsed from registry bytes into checked shapes.
 * Anything malformed is a MANIFEST_INVALID (or CONFIG_INVALID) failure with a one-line message.
 */
import { failed, type ErrorCode } from '../errors.js';
import { isDigest, type Digest } from './digest.js';
import { baseMediaType, isIndex, isManifest, OCI_INDEX, OCI_MANIFEST } from './mediatypes.js';

export interface DescriptorPlatform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: DescriptorPlatform;
  urls?: string[];
}

export interface IndexManifest {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
  annotations: Record<string, string>;
}

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations: Record<string, string>;
}

export type Manifest = IndexManifest | ImageManifest;

export interface HistoryEntry {
  created?: string;
  createdBy?: string;
  comment?: string;
  emptyLayer?: boolean;
}

export interface ImageConfig {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: string[];
  created?: string;
  diffIds: Digest[];
  history?: HistoryEntry[];
  /** `config.Labels`, those with a string value (docker's map[string]string). */
  labels?: Record<string, string>;
}

type Json = Record<string, unknown>;

/** A small checker that reports the JSON path of the first problem. */
class Shape {
  constructor(private readonly code: ErrorCode, private readonly what: string) {}

  fail(path: string, problem: string): never {
    throw failed(`invalid ${this.what}: ${path} ${problem}`, { code: this.code });
  }

  parse(bytes: Buffer): Json {
    let v: unknown;
    try {
      v = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      throw failed(`invalid ${this.what}: not JSON (${(e as Error).message.replace(/\s+/g, ' ')})`, { code: this.code });
    }
    return this.object(v, '$');
  }

  object(v: unknown, path: string): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'must be an object');
    return v as Json;
  }

  string(v: unknown, path: string): string {
    if (typeof v !== 'string') this.fail(path, 'must be a string');
    return v;
  }

  optString(v: unknown, path: string): string | undefined {
    return v === undefined ? undefined : this.string(v, path);
  }

  strings(v: unknown, path: string): string[] {
    return this.array(v, path).map((s, i) => this.string(s, `${path}[${i}]`));
  }

  array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'must be an array');
    return v;
  }

  digest(v: unknown, path: string): Digest {
    const s = this.string(v, path);
    if (!isDigest(s)) this.fail(path, `'${s.slice(0, 80)}' is not a sha256 digest`);
    return s;
  }

  annotations(v: unknown, path: string): Record<string, string> {
    if (v === undefined) return {};
    const o = this.object(v, path);
    for (const [k, val] of Object.entries(o)) this.string(val, `${path}.${k}`);
    return o as Record<string, string>;
  }

  descriptor(v: unknown, path: string): Descriptor {
    const o = this.object(v, path);
    const size = o.size;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      this.fail(`${path}.size`, 'must be a non-negative integer');
    }
    const d: Descriptor = {
      mediaType: this.string(o.mediaType, `${path}.mediaType`),
      digest: this.digest(o.digest, `${path}.digest`),
      size,
    };
    if (o.annotations !== undefined) d.annotations = this.annotations(o.annotations, `${path}.annotations`);
    if (o.urls !== undefined) d.urls = this.strings(o.urls, `${path}.urls`);
    if (o.platform !== undefined) {
      const p = this.object(o.platform, `${path}.platform`);
      d.platform = {
        os: this.string(p.os, `${path}.platform.os`),
        architecture: this.string(p.architecture, `${path}.platform.architecture`),
      };
      const variant = this.optString(p.variant, `${path}.platform.variant`);
      const osVersion = this.optString(p['os.version'], `${path}.platform.os.version`);
      if (variant !== undefined) d.platform.variant = variant;
      if (osVersion !== undefined) d.platform['os.version'] = osVersion;
      if (p['os.features'] !== undefined) d.platform['os.features'] = this.strings(p['os.features'], `${path}.platform.os.features`);
    }
    return d;
  }
}

/**
 * Parses a manifest or index. The body's own `mediaType` wins (the digest covers it, not the
 * header); OCI allows it to be absent, then the Content-Type decides, then the shape.
 */
export function parseManifest(bytes: Buffer, mediaTypeHeader?: string): Manifest {
  const s: Shape = new Shape('MANIFEST_INVALID', 'manifest');
  const o = s.parse(bytes);
  if (o.schemaVersion !== 2) s.fail('$.schemaVersion', `is ${JSON.stringify(o.schemaVersion)}, only 2 is supported`);
  const header = mediaTypeHeader ? baseMediaType(mediaTypeHeader) : undefined;
  const mediaType =
    s.optString(o.mediaType, '$.mediaType') ??
    (header && (isIndex(header) || isManifest(header)) ? header : undefined) ??
    (o.manifests !== undefined ? OCI_INDEX : OCI_MANIFEST);
  const annotations = s.annotations(o.annotations, '$.annotations');
  if (isIndex(mediaType)) {
    const manifests = s.array(o.manifests, '$.manifests').map((d, i) => s.descriptor(d, `$.manifests[${i}]`));
    return { kind: 'index', mediaType, manifests, annotations };
  }
  if (isManifest(mediaType)) {
    const config = s.descriptor(o.config, '$.config');
    const layers = s.array(o.layers, '$.layers').map((d, i) => s.descriptor(d, `$.layers[${i}]`));
    return { kind: 'manifest', mediaType, config, layers, annotations };
  }
  return s.fail('$.mediaType', `'${mediaType.slice(0, 100)}' is not a supported manifest type`);
}

export function parseImageConfig(bytes: Buffer): ImageConfig {
  const s: Shape = new Shape('CONFIG_INVALID', 'image config');
  const o = s.parse(bytes);
  const rootfs = s.object(o.rootfs, '$.rootfs');
  if (rootfs.type !== 'layers') s.fail('$.rootfs.type', "must be 'layers'");
  const cfg: ImageConfig = {
    os: s.string(o.os, '$.os'),
    architecture: s.string(o.architecture, '$.architecture'),
    diffIds: s.array(rootfs.diff_ids, '$.rootfs.diff_ids').map((d, i) => s.digest(d, `$.rootfs.diff_ids[${i}]`)),
  };
  const variant = s.optString(o.variant, '$.variant');
  const osVersion = s.optString(o['os.version'], '$.os.version');
  const created = s.optString(o.created, '$.created');
  if (variant !== undefined) cfg.variant = variant;
  if (osVersion !== undefined) cfg.osVersion = osVersion;
  if (o['os.features'] !== undefined) cfg.osFeatures = s.strings(o['os.features'], '$.os.features');
  if (created !== undefined) cfg.created = created;
  const labels = (o.config as Json | null | undefined)?.Labels;
  if (typeof labels === 'object' && labels !== null) {
    cfg.labels = Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }
  if (o.history !== undefined) {
    cfg.history = s.array(o.history, '$.history').map((h, i) => {
      const p = `$.history[${i}]`;
      const e = s.object(h, p);
      const entry: HistoryEntry = {};
      const hc = s.optString(e.created, `${p}.created`);
      const by = s.optString(e.created_by, `${p}.created_by`);
      const comment = s.optString(e.comment, `${p}.comment`);
      if (hc !== undefined) entry.created = hc;
      if (by !== undefined) entry.createdBy = by;
      if (comment !== undefined) entry.comment = comment;
      const empty = e.empty_layer;
      if (empty !== undefined) {
        if (typeof empty !== 'boolean') s.fail(`${p}.empty_layer`, 'must be a boolean');
        entry.emptyLayer = empty;
      }
      return entry;
    });
  }
  return cfg;
}

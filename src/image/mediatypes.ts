/** Media types of the OCI image spec and Docker's image manifest v2 schema 2. */

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_LAYER_ND = 'application/vnd.oci.image.layer.nondistributable.v1.tar';
export const OCI_LAYER_ND_GZIP = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';
export const OCI_LAYER_ND_ZSTD = 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd';

export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
/** Windows base layers: not distributed by the registry, fetched from the descriptor's urls. */
export const DOCKER_FOREIGN_LAYER = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';

/**
 * What we send as `Accept` for manifests: without it distribution answers 404 for OCI
 * manifests and converts Docker ones to the legacy schema 1.
 */
export const MANIFEST_ACCEPT: readonly string[] = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST];

/** Strips parameters (`; charset=utf-8`) and case from a Content-Type value. */
export function baseMediaType(mt: string): string {
  return mt.split(';')[0]!.trim().toLowerCase();
}

export function isIndex(mt: string): boolean {
  const b = baseMediaType(mt);
  return b === OCI_INDEX || b === DOCKER_MANIFEST_LIST;
}

export function isManifest(mt: string): boolean {
  const b = baseMediaType(mt);
  return b === OCI_MANIFEST || b === DOCKER_MANIFEST;
}

/** What a commit writes: an OCI config, and its layer as tar+gzip. */
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** Docker's layer media types and the OCI ones of the same formats, for a manifest that names both. */
export const OCI_LAYER_OF_DOCKER: Readonly<Record<string, string>> = {
  'application/vnd.docker.image.rootfs.diff.tar.gzip': OCI_LAYER_GZIP,
  [DOCKER_FOREIGN_LAYER]: OCI_LAYER_ND_GZIP,
};

/**
 * An image source from a path on disk, its kind told by what is there: a directory is an OCI
 * layout; a file is a tar archive, a docker-save one when it holds `manifest.json` (docker 25
 * and later write an OCI layout beside it: manifest.json is what `docker load` reads, and so
 * does this), else an OCI layout's when it holds `oci-layout`.
 */
import { stat } from 'node:fs/promises';
import { notFound } from '../errors.js';
import type { ImageSource } from '../image/source.js';
import { DockerArchive } from './docker-archive.js';
import { LayoutArchive } from './layout-files.js';
import { OciLayout } from './oci-layout.js';
import { archiveInvalid, TarIndex } from './tar-index.js';

export interface PathOptions {
  /** The repository key images from there are recorded under (default: as each kind finds it). */
  repository?: string;
}

export async function openImagePath(path: string, opts: PathOptions = {}): Promise<ImageSource> {
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw notFound(`${path}: no such file or directory`, { code: 'ARCHIVE_UNKNOWN' });
    throw err;
  });
  if (st.isDirectory()) return new OciLayout(path, opts);
  const index = await TarIndex.open(path, path);
  if (index.get('manifest.json')) return new DockerArchive(path, { ...opts, index });
  if (index.get('oci-layout')) return new OciLayout(new LayoutArchive(path, index), opts);
  throw archiveInvalid(path, "it holds neither manifest.json (a docker-save archive) nor oci-layout (an OCI layout's)");
}

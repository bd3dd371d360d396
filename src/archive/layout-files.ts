/**
 * The files of an OCI image layout, wherever they are: a directory (`oci:DIR`) or a tar archive
 * of one (`oci-archive:FILE`, as skopeo writes it, read in place through tar-index.ts). The
 * layout reader (oci-layout.ts) reads through this and nothing else, so both are read by the
 * same rules. Names are relative to the layout, `/`-separated, made by the reader (a digest
 * checked first); a file is only ever a regular file, never read through a link.
 */
import { lstat, realpath } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { notFound } from '../errors.js';
import { isRealDirectory, openRegular, readCapped } from './files.js';
import { archiveBaseName, TarIndex } from './tar-index.js';

/** `invalid(why)` makes the error for a file that is there but is no regular file. */
type Invalid = (why: string) => Error;

export interface LayoutFiles {
  /** As messages name it: `oci:DIR`, `oci-archive:FILE`. */
  readonly location: string;
  /** What images from here are recorded under when nothing else names their repository. */
  readonly defaultRepository: string;
  /** Finds the files (the directory's real path; the archive's index): once, before anything is read. */
  ready(): Promise<void>;
  /** Whether `name` is a directory here (not a symlink to one). */
  isDirectory(name: string): Promise<boolean>;
  /** Whether `name` is a regular file here. */
  isFile(name: string): Promise<boolean>;
  /** The whole of file `name`, at most `max` bytes; undefined when there is no such file. */
  read(name: string, max: number, what: string, invalid: Invalid): Promise<Buffer | undefined>;
  /** File `name`'s bytes from `offset` on; undefined when there is no such file. */
  stream(name: string, offset: number, invalid: Invalid): Promise<Readable | undefined>;
}

/** A layout directory: files opened without following symlinks, never a FIFO or device (files.ts). */
export class LayoutDirectory implements LayoutFiles {
  readonly location: string;
  readonly defaultRepository: string;
  private root?: string;

  constructor(private readonly dir: string) {
    this.location = `oci:${dir}`;
    this.defaultRepository = basename(resolve(dir));
  }

  async ready(): Promise<void> {
    if (this.root !== undefined) return;
    this.root = await realpath(this.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw notFound(`${this.location}: no such directory`, { code: 'LAYOUT_UNKNOWN' });
      throw err;
    });
  }

  isDirectory(name: string): Promise<boolean> {
    return isRealDirectory(this.path(name));
  }

  async isFile(name: string): Promise<boolean> {
    return (await lstat(this.path(name)).catch(() => undefined))?.isFile() ?? false;
  }

  async read(name: string, max: number, what: string, invalid: Invalid): Promise<Buffer | undefined> {
    const fh = await this.open(name, invalid);
    return fh && readCapped(fh, max, what);
  }

  async stream(name: string, offset: number, invalid: Invalid): Promise<Readable | undefined> {
    const fh = await this.open(name, invalid);
    return fh?.createReadStream({ start: offset }) as Readable | undefined;
  }

  private async open(name: string, invalid: Invalid) {
    return openRegular(this.path(name), invalid).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
  }

  private path(name: string): string {
    if (this.root === undefined) throw new Error('LayoutDirectory: ready() was not called');
    return join(this.root, ...name.split('/'));
  }
}

/** A tar archive of a layout, read in place: every file a range of the archive, links never followed. */
export class LayoutArchive implements LayoutFiles {
  readonly location: string;
  readonly defaultRepository: string;
  private index?: TarIndex;

  /** `index`: the archive indexed already (by whoever found it to be a layout's). */
  constructor(
    private readonly file: string,
    index?: TarIndex,
  ) {
    this.location = `oci-archive:${file}`;
    this.defaultRepository = archiveBaseName(file);
    this.index = index;
  }

  async ready(): Promise<void> {
    this.index ??= await TarIndex.open(this.file, this.location);
  }

  async isDirectory(name: string): Promise<boolean> {
    return this.tar().hasDirectory(name);
  }

  async isFile(name: string): Promise<boolean> {
    return this.tar().get(name)?.type === 'file';
  }

  async read(name: string, max: number, what: string, invalid: Invalid): Promise<Buffer | undefined> {
    const entry = this.tar().file(name, invalid);
    return entry && this.tar().read(entry, max, what);
  }

  async stream(name: string, offset: number, invalid: Invalid): Promise<Readable | undefined> {
    const entry = this.tar().file(name, invalid);
    return entry && this.tar().stream(entry, offset);
  }

  private tar(): TarIndex {
    if (this.index === undefined) throw new Error('LayoutArchive: ready() was not called');
    return this.index;
  }
}

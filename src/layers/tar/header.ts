/**
 * One tar entry's header as ctrimg reads it: the meaning Go's archive/tar gives a header, since
 * containerd and umoci (the peers whose trees ctrimg must match) both read layers with it.
 * Names are the archive's bytes, not text: a name that is not valid UTF-8 must reach the file
 * system unchanged.
 */

/** The entry types a layer may hold; `typeflag` keeps the header's byte for anything else. */
export type EntryType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo';

/** Seconds since the epoch (negative before 1970, beyond 2^31 after 2038) and nanoseconds, 0..999999999. */
export interface Timestamp {
  sec: number;
  nsec: number;
}

/** A run of a sparse file's stored data: it belongs at `offset` in the file; the gaps read as zeros. */
export interface SparseRun {
  offset: number;
  length: number;
}

export interface TarHeader {
  /** The entry's path as archive bytes, after PAX `path`, GNU long names and the ustar prefix. */
  name: Buffer;
  /** A link's target as archive bytes (PAX `linkpath`, GNU long link names); empty if none. */
  linkname: Buffer;
  /** Undefined for a type flag a layer may not hold; `typeflag` then names it. */
  type: EntryType | undefined;
  /** The header's type flag byte, as a character: '0', '5', 'S', ... */
  typeflag: string;
  /** Permission and setuid/setgid/sticky bits (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** The file's size: for a sparse file its real size, holes included. */
  size: number;
  mtime: Timestamp;
  atime?: Timestamp;
  devmajor: number;
  devminor: number;
  /** Every PAX record of the entry (global headers excluded, as Go's reader does), values as bytes. */
  pax: Map<string, Buffer>;
  /** Extended attributes from `SCHILY.xattr.*` (and `LIBARCHIVE.xattr.*`) records, values as bytes. */
  xattrs: Map<string, Buffer>;
  /** For a sparse file: where each run of the entry's data goes, in order. Absent for other files. */
  sparse?: SparseRun[];
}

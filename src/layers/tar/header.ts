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
  /**
   * The file's size: for a sparse file its real size, holes included. As in Go, a header-only
   * type (link, symlink, device, directory, fifo) keeps the size its header gives but has no data.
   */
  size: number;
  mtime: Timestamp;
  atime?: Timestamp;
  devmajor: number;
  devminor: number;
  /**
   * Every PAX record of the entry (global headers excluded, as Go's reader does), values as bytes;
   * keys are byte strings (latin1, see ../byte-paths.ts). GNU sparse 0.0's repeated offset and
   * numbytes records appear joined as `GNU.sparse.map`, as in Go.
   */
  pax: Map<string, Buffer>;
  /**
   * Extended attributes from `SCHILY.xattr.*` records (empty values included, as containerd
   * applies them) and libarchive's `LIBARCHIVE.xattr.*` (URL-encoded name, base64 value; SCHILY's
   * wins for a name both give), values as bytes; names are byte strings.
   */
  xattrs: Map<string, Buffer>;
  /**
   * For a sparse file: where each run of the entry's data goes, in order (runs of no bytes
   * dropped; an all-hole file has none). The data is the runs' bytes back to back. Absent for
   * other files.
   */
  sparse?: SparseRun[];
}

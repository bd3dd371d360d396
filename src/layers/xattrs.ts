/**
 * Extended attributes (user.*, trusted.*, security.capability, ...) of unpacked and merged
 * entries, through the attr package's tools. Node has no xattr API, and the native modules
 * offered take paths and attribute names as UTF-8 text only, so not every layer's bytes
 * (fs-xattr, unchanged since 2021, also follows symlinks; @napi-rs/xattr reads any error as
 * "no attribute"). `setfattr -h --restore` applies a whole layer's attributes in one process and
 * `getfattr -R -P -h -d` reads a whole tree's in one; both speak a dump format whose paths and
 * names are escaped in octal and whose values are base64 here, so bytes pass unchanged, and
 * neither follows a symlink. Only layers with attributes pay for a process.
 *
 * As containerd does, attributes the file system or the kernel refuses (ENOTSUP, EPERM: a
 * tmpfs without user.*, user.* on a symlink, trusted.* without CAP_SYS_ADMIN) are dropped with
 * a warning, one for the whole batch naming the count and the first entry; any other failure
 * fails the import.
 */
import { failed } from '../errors.js';
import { bytesOf, fromBuffer, fsPath, shown, type BytePath } from './byte-paths.js';
import { runTool } from './tools.js';

/** Attribute names as byte strings (byte-paths.ts), as tar headers and getfattr give them; values as bytes. */
export type Xattrs = Map<BytePath, Buffer>;

/** Attributes to set on many entries, applied together. */
export class XattrBatch {
  private readonly dump: Buffer[] = [];
  private entries = 0;

  get size(): number {
    return this.entries;
  }

  /** Queues `xattrs` for `path`, a byte path. */
  add(path: BytePath, xattrs: Xattrs): void {
    if (xattrs.size === 0) return;
    this.entries++;
    this.dump.push(Buffer.from('# file: '), quote(fsPath(absolute(path))), NL);
    for (const [name, value] of xattrs) {
      this.dump.push(quote(fsPath(name)), Buffer.from(`=0s${value.toString('base64')}\n`));
    }
    this.dump.push(NL);
  }

  /**
   * Sets everything queued (owner and mode must already be set: chown clears
   * security.capability). Refused attributes are reported through `warn` in one line.
   */
  async apply(warn?: (message: string) => void): Promise<void> {
    if (this.entries === 0) return;
    const { code, stderr } = await runTool('setfattr', ['-h', '--restore=-'], Buffer.concat(this.dump));
    this.dump.length = 0;
    this.entries = 0;
    if (code === 0) return;
    const refusals = lines(stderr);
    const other = refusals.find((l) => !REFUSED.some((r) => l.endsWith(r)));
    if (other !== undefined || refusals.length === 0) {
      throw failed(`could not set extended attributes: ${shown(other ?? `setfattr exited with ${code}`)}`);
    }
    warn?.(
      `dropped ${refusals.length} extended ${refusals.length === 1 ? 'attribute' : 'attributes'} the file system refused, first: ${shown(refusals[0]!.replace(/^setfattr: /, ''))}`,
    );
  }
}

/** Messages of setfattr (strerror, C locale) for attributes containerd also drops. */
const REFUSED = [': Operation not supported', ': Operation not permitted'];

/** The attributes of every entry under `dir` (included) that has any, by byte path; symlinks not followed. */
export async function readXattrTree(dir: BytePath): Promise<Map<BytePath, Xattrs>> {
  return readDump(await runTool('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'base64', '--absolute-names', '--', fsPath(absolute(dir))]), dir);
}

/** The attributes of one entry (a symlink's own). */
export async function readXattrs(path: BytePath): Promise<Xattrs> {
  const tree = readDump(await runTool('getfattr', ['-h', '-d', '-m', '-', '-e', 'base64', '--absolute-names', '--', fsPath(absolute(path))]), path);
  return [...tree.values()][0] ?? new Map();
}

/**
 * Queues the attributes of each lower directory for the directory made for it in this layer,
 * because an entry below it was listed without it (`[lower, made]` pairs): containerd's
 * copyUpXAttrs, so an implicit directory keeps e.g. the ACLs and capabilities of the lower one.
 * One process reads a few hundred of them: a layer may make many implicit directories.
 */
export async function copyUpXattrs(pairs: Array<[lower: BytePath, made: BytePath]>, batch: XattrBatch): Promise<void> {
  for (const some of runsOf(pairs.map(([lower, made]) => [absolute(lower), made] as const))) {
    const args = ['-h', '-d', '-m', '-', '-e', 'base64', '--absolute-names', '--', ...some.map(([lower]) => fsPath(lower))];
    const found = readDump(await runTool('getfattr', args), some[0]![0]);
    for (const [lower, made] of some) {
      const values = found.get(lower);
      if (values) batch.add(made, values);
    }
  }
}

/**
 * What one getfattr run is given: at most this many paths and bytes of them. The kernel takes
 * 2 MiB of command line (ARG_MAX), and tools.ts passes each byte as a 5-char escape: paths of a
 * few thousand bytes each (deep trees) would pass the limit well before the count does.
 */
const PATHS_PER_RUN = 256;
const PATH_BYTES_PER_RUN = 128 * 1024;

/** `pairs` in runs within those limits, in order. */
function* runsOf<T extends readonly [BytePath, ...unknown[]]>(pairs: T[]): Generator<T[]> {
  let run: T[] = [];
  let bytes = 0;
  for (const pair of pairs) {
    if (run.length === PATHS_PER_RUN || (run.length > 0 && bytes + pair[0].length > PATH_BYTES_PER_RUN)) {
      yield run;
      run = [];
      bytes = 0;
    }
    run.push(pair);
    bytes += pair[0].length;
  }
  if (run.length > 0) yield run;
}

function readDump(result: { code: number; stdout: Buffer; stderr: Buffer }, subject: BytePath): Map<BytePath, Xattrs> {
  // getfattr exits 1 when it met an error: what it could read is still printed.
  if (result.code !== 0) {
    const errors = lines(result.stderr);
    throw failed(`could not read the extended attributes of ${shown(subject)}: ${shown(errors[0] ?? `getfattr exited with ${result.code}`)}`);
  }
  const out = new Map<BytePath, Xattrs>();
  let current: Xattrs | undefined;
  for (const line of splitLines(result.stdout)) {
    if (line.length === 0) continue;
    const text = line.toString('latin1');
    if (text.startsWith('# file: ')) {
      current = new Map();
      out.set(fromBuffer(unquote(line.subarray(8))), current);
      continue;
    }
    const eq = line.indexOf(0x3d);
    if (!current || eq < 1) continue;
    const value = text.slice(eq + 1);
    // -e base64 gives 0s...; an empty value is printed as nothing after the '='.
    current.set(fromBuffer(unquote(line.subarray(0, eq))), value.startsWith('0s') ? Buffer.from(value.slice(2), 'base64') : Buffer.alloc(0));
  }
  return out;
}

const NL = Buffer.from('\n');

/** A byte path made absolute (the tools run in another working directory only by chance). */
function absolute(path: BytePath): BytePath {
  return path.startsWith('/') ? path : `${bytesOf(process.cwd())}/${path}`;
}

/** The attr tools' escaping: any byte that is not printable ASCII, and `\` and `=`, as \ooo. */
function quote(bytes: Buffer): Buffer {
  const out: number[] = [];
  for (const b of bytes) {
    if (b > 0x20 && b < 0x7f && b !== 0x5c && b !== 0x3d) out.push(b);
    else out.push(0x5c, ...Buffer.from(b.toString(8).padStart(3, '0')));
  }
  return Buffer.from(out);
}

/** The reverse of the tools' quoting: `\ooo` is the byte ooo. */
function unquote(bytes: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const oct = bytes.subarray(i + 1, i + 4).toString('latin1');
    if (bytes[i] === 0x5c && /^[0-7]{3}$/.test(oct)) {
      out.push(parseInt(oct, 8) & 0xff);
      i += 3;
    } else out.push(bytes[i]!);
  }
  return Buffer.from(out);
}

function splitLines(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let start = 0; start < bytes.length; ) {
    const end = bytes.indexOf(0x0a, start);
    out.push(bytes.subarray(start, end < 0 ? bytes.length : end));
    start = end < 0 ? bytes.length : end + 1;
  }
  return out;
}

function lines(bytes: Buffer): string[] {
  return splitLines(bytes).map((l) => l.toString('latin1')).filter((l) => l.length > 0);
}

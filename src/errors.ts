/**
 * One error type for everything ctrimg reports to a user. The exit code is decided here, in
 * one place, from the error's kind; the CLI prints `message` (plus `hint`) as one line, ending
 * in the error's code: `[MANIFEST_UNKNOWN]`.
 */
export type ErrorKind = 'failed' | 'usage' | 'notFound' | 'dependent';

const EXIT: Record<ErrorKind, number> = { failed: 1, usage: 2, notFound: 3, dependent: 4 };

/**
 * Every code an error may carry, with what it means: the closed set scripts can match on.
 * README's "Error codes" section lists the same table (a test keeps the two in step).
 */
export const ERROR_CODES = {
  ARCHIVE_EXISTS: 'the file an image is to be saved to exists already (a forced save replaces it)',
  ARCHIVE_INVALID: 'an image archive is not an uncompressed tar ctrimg reads safely: compressed, truncated, corrupt, with names that escape it or repeat, or without the files its format needs',
  ARCHIVE_UNKNOWN: 'the image archive file, or the image named in it, does not exist',
  BAD_IDENTITY: 'an image, layer or container id is not 64 lowercase hex digits, so no path is made of it',
  BASE_TOO_DEEP: 'base images name further base images deeper than ctrimg follows',
  BASE_UNTRUSTED: "an image names its base on a registry that is neither its own nor a registered source",
  BLOB_NOT_STORED: "a blob of an installed image is not in the store (its layer blobs were deleted once imported)",
  BLOB_TOO_LARGE: 'an image config or other small blob is larger than ctrimg reads whole',
  BLOB_UNKNOWN: 'the registry does not have the blob',
  BODY_DEADLINE: 'a registry response was not received in full in time',
  CANCELLED: 'the command was interrupted (Ctrl-C, SIGTERM) before it finished',
  CONCURRENCY_OUT_OF_RANGE: 'the number of layers to download at once is outside the allowed range',
  CONFIG_INVALID: 'an image config is not valid JSON of the expected shape',
  CONFIRMATION_REQUIRED: 'a change needs confirmation and there is no terminal to ask on (input piped or redirected); nothing was changed',
  CONTAINER_EXISTS: 'a container with that name already exists',
  CONTAINER_GONE: 'a selected container was removed meanwhile by another command',
  CONTAINER_NAME_INVALID: 'a container name is not letters, digits and . _ - starting with a letter or digit',
  CONTAINER_NOT_FOUND: 'no container matches the name or object given',
  CONTAINER_NOT_OFF: 'a container to commit is not Off (running, paused); stop it first',
  CONTAINER_UNCHANGED: 'a container to commit holds no change over its image, so there is no layer to make',
  CORRUPT_LAYER: 'a layer blob does not decompress',
  CREDENTIALS_CONFIG: 'the Docker config holding registry credentials cannot be used',
  CREDENTIALS_HELPER: 'a Docker credential helper is missing, failed or gave an unreadable answer',
  DATABASE_DAMAGED: "the store's database is damaged",
  DENIED: 'the registry denied access',
  DEPENDENT: 'refused because something depends on it',
  DIFF_ID_MISMATCH: "a layer's uncompressed content does not match the diff id in the image config",
  DIGEST_MISMATCH: 'content does not match the digest or size that named it',
  EXISTS: 'a layer or container directory to be created already exists',
  FAILED: 'the command failed (no more specific code applies)',
  HOST_CHECK_FAILED: 'ctrimg could not ask Windows whether this process may import layers or what file system holds the store',
  IMAGE_EXISTS: 'an image of that name and version is installed already (a forced commit replaces it when nothing depends on it)',
  IMAGE_GONE: 'a selected image was removed meanwhile by another command',
  IMAGE_IN_USE: 'an image is not removed: a container or a child image depends on it',
  IMAGE_REFERENCED: 'rmi by id of an image with several references (tags, or digests in several repositories), without -f',
  IMAGE_NAME_INVALID: 'an image name for a commit is not letters, digits and . _ - starting with a letter or digit',
  IMAGE_NOT_FOUND: 'no installed image, or no image the sources offer, matches what was asked for',
  IMPORTER_MISMATCH: "the store's layers were made by another importer than the one asked for",
  INTERNAL: 'an unexpected error inside ctrimg (the debug switch prints its stack trace)',
  INVALID_TAR: 'a layer tar is malformed or holds an entry type ctrimg does not know',
  INVALID_WINDOWS_LAYER: 'a Windows layer tar lacks the structure a Windows layer needs',
  LAYER_URL_FAILED: "a layer's foreign URL answered with an error",
  LAYOUT_BUSY: 'another process is writing to the OCI image layout directory',
  LAYOUT_INVALID: 'a directory is not a valid OCI image layout, or one of its files is malformed',
  LAYOUT_UNKNOWN: 'the OCI image layout directory, or the image named in it, does not exist',
  LISTING_DEADLINE: "a registry's tag or catalog listing was not received in full in time",
  LISTING_TOO_LARGE: "a registry's tag or catalog listing is larger than ctrimg reads",
  LOCATION_CREDENTIALS: 'a registry URL carries a user name or password; credentials come from the Docker config',
  LOCATION_INSECURE: 'a registry URL uses plain http without the source being marked insecure',
  LOCATION_INVALID: 'a registry URL is not http(s)://host[:port]',
  LOCATION_NOT_ROOT: "a registry URL has a path; a repository prefix belongs in the source's namespace",
  MANIFEST_INVALID: 'a manifest, index or image reference in it is not valid',
  MANIFEST_UNKNOWN: 'the registry does not have the manifest (no such tag or digest)',
  MIRROR_INVALID: "a mirror is not a registry URL, repeats one, or is the source's own location",
  NAMESPACE_INVALID: 'a source namespace is not a valid repository path',
  NAME_AMBIGUOUS: 'a name or pattern matches several images where one is needed',
  NAME_UNKNOWN: 'the registry does not have the repository',
  NOT_A_REGISTRY: 'the location does not answer as a container registry',
  NOT_A_STORE: 'the store root is a directory that is not empty and holds no ctrimg store',
  NOT_ELEVATED: 'the process lacks the Backup and Restore privileges Windows layers need: it is not run elevated',
  NOT_FOUND: 'what was asked for does not exist',
  NOT_NTFS: 'the store root is on a Windows volume that is not NTFS, which Windows layers need',
  NO_SOURCES: 'no image sources are registered',
  NO_SPACE: 'the disk is full, or would fill into the free space ctrimg keeps',
  OUTSIDE_STORE: 'refused to delete a path that lies outside the store root',
  PARAMETER_SET_CONFLICT: 'no one parameter set of the cmdlet takes all the parameters given, or several do and none is its default',
  PIPED_INVALID: 'what was piped to stdin is not the JSON output of a ctrimg cmdlet',
  PLATFORM_NOT_FOUND: 'the image offers no variant for the platform asked for',
  PROVISION_EMPTY: 'a provisioning file lists no images, and pruning to it would remove every installed image',
  PROVISION_FILE_INVALID: 'a provisioning file is not valid YAML or JSON, or a field in it is unknown, repeated or invalid (the message names the line and field)',
  PUBLISHER_INVALID: 'a publisher is not letters, digits, spaces and . _ - (with or without CN=)',
  REGISTRY_ERROR: 'the registry answered with an error or a response ctrimg cannot use',
  RESTARTED: 'a blob being downloaded by another command is being downloaded again from another source',
  SCRATCH_SIZE_FAILED: "a container's scratch disk could not be grown to the size asked for",
  SCRATCH_SIZE_INVALID: 'a scratch size is not a size, is below the 20 GiB blank scratch disk, or is given to the dir importer',
  SIZE_MISMATCH: 'a blob has more or fewer bytes than its descriptor says',
  SOURCE_EXISTS: 'a source with that name is already registered',
  SOURCE_NOT_FOUND: 'no registered source has that name',
  STORE_DAMAGED: 'the store check found problems in the store',
  STORE_NOT_OURS: 'the store root, an entry in it, or the link that names it is owned by another account, which ctrimg does not take over',
  STORE_PERMISSIONS: 'the store root cannot be read or made private to its owner (on Windows: not elevated)',
  STORE_UNAVAILABLE: "the store's database cannot be opened",
  TLS_ERROR: 'the TLS handshake with the registry failed',
  TOO_MANY_REDIRECTS: 'the registry redirected too many times',
  TOO_MANY_REQUESTS: "the registry's rate limit was reached",
  TREE_CHANGED: 'refused to go on deleting a directory that was replaced while being deleted',
  UNAUTHORIZED: 'the registry or its token server did not accept the credentials, or none were given',
  UNREACHABLE: 'the registry cannot be reached, or the connection broke',
  UNSAFE_TAR: 'a layer tar entry would write outside its layer directory',
  USAGE: 'the command line is not valid: unknown cmdlet or parameter, missing or invalid value',
  VERSION_CONFLICT: 'an exact version was combined with a version range',
  VERSION_INVALID: 'a version is neither a Windows-style version (1 to 4 numbers) nor semver',
  VERSION_RANGE_EMPTY: 'the minimum version is greater than the maximum',
  WCLAYER_FAILED: 'wclayer (Windows layer import) failed',
  WCLAYER_NOT_FOUND: 'wclayer is not installed or cannot be run',
  WHITEOUT_NAME: "a container holds a name starting with '.wh.', which a layer reserves for deletions",
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The code of an error that names none: one per kind. */
const DEFAULT_CODE: Record<ErrorKind, ErrorCode> = { failed: 'FAILED', usage: 'USAGE', notFound: 'NOT_FOUND', dependent: 'DEPENDENT' };

export interface ErrorOptions {
  /** What the user can do about it; appended to the one-line message. */
  hint?: string;
  /** Stable machine-readable code; the kind's default (FAILED, USAGE, NOT_FOUND, DEPENDENT) when absent. */
  code?: ErrorCode;
  /** True when retrying the same operation may succeed (network trouble, 5xx, 429). */
  temporary?: boolean;
  /**
   * Values the error is about, for a caller that words its own hint (the cmdlet layer naming its
   * parameters): e.g. `{ reference }` of an untrusted base image. Never a credential.
   */
  details?: Readonly<Record<string, string>>;
  cause?: unknown;
}

export class CtrimgError extends Error {
  readonly kind: ErrorKind;
  readonly hint?: string;
  readonly code: ErrorCode;
  readonly temporary: boolean;
  readonly details: Readonly<Record<string, string>>;

  constructor(kind: ErrorKind, message: string, opts: ErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CtrimgError';
    this.kind = kind;
    this.hint = opts.hint;
    this.code = opts.code ?? DEFAULT_CODE[kind];
    this.temporary = opts.temporary ?? false;
    this.details = opts.details ?? {};
  }

  get exitCode(): number {
    return EXIT[this.kind];
  }
}

export const failed = (msg: string, opts?: ErrorOptions) => new CtrimgError('failed', msg, opts);
export const usage = (msg: string, opts?: ErrorOptions) => new CtrimgError('usage', msg, opts);
export const notFound = (msg: string, opts?: ErrorOptions) => new CtrimgError('notFound', msg, opts);
export const dependent = (msg: string, opts?: ErrorOptions) => new CtrimgError('dependent', msg, opts);

/** Exit code for anything thrown: our errors carry one, anything else is a plain failure. */
export function exitCodeOf(err: unknown): number {
  return err instanceof CtrimgError ? err.exitCode : 1;
}

/** Code for anything thrown: our errors carry one, anything else is INTERNAL. */
export function errorCodeOf(err: unknown): ErrorCode {
  return err instanceof CtrimgError ? err.code : 'INTERNAL';
}

/**
 * True for a cancellation, however it surfaced: Node's AbortError and ABORT_ERR, undici's
 * UND_ERR_ABORTED. Here, not with the transport, so the CLI tells it without loading undici.
 */
export function isAbort(err: unknown): boolean {
  const e = err as { name?: string; code?: string } | null;
  return e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED' || e?.code === 'ABORT_ERR';
}

/** ENOSPC or EDQUOT as one NO_SPACE error saying what could not be written where; else undefined. */
export function diskFull(err: unknown, what: string, dir: string): CtrimgError | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return undefined;
  return failed(`${what}: the disk is full (no space left in ${dir})`, { code: 'NO_SPACE', hint: 'free some space there and try again', cause: err });
}

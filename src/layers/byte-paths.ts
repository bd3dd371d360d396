/**
 * Paths as bytes. A layer may name files with bytes that are not valid UTF-8; Node decodes a
 * string path as UTF-8, so such a name would be rewritten (U+FFFD) and two of them could
 * collapse into one file. Inside src/layers a path is therefore a "byte string": one char per
 * byte (latin1), which path.join and string compares handle as they do ASCII, turned into a
 * Buffer only at the file system call. Text from elsewhere (the store root) enters through
 * `bytesOf`; a byte string shown to a person goes through `shown`.
 */

/** A byte string: each char code is one byte (0..255) of a path. */
export type BytePath = string & { readonly __bytes?: never };

/** The byte string of an ordinary (UTF-8) path, e.g. the store root. */
export function bytesOf(text: string): BytePath {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** The byte string of raw bytes, e.g. a tar entry's name. */
export function fromBuffer(bytes: Buffer): BytePath {
  return bytes.toString('latin1');
}

/** The Buffer to hand the file system, so that every byte reaches it unchanged. */
export function fsPath(path: BytePath): Buffer {
  return Buffer.from(path, 'latin1');
}

/**
 * A byte path for messages: valid UTF-8 is shown as text, anything else and control characters
 * as \xNN escapes, so that a name never writes raw bytes to a terminal.
 */
export function shown(path: BytePath): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(fsPath(path));
  const valid = Buffer.from(text, 'utf8').equals(fsPath(path));
  const source = valid ? text : path;
  let out = '';
  for (const ch of source) {
    const code = ch.codePointAt(0)!;
    const control = code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0);
    out += control || (!valid && code >= 0x80) ? `\\x${code.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}

/**
 * Registry-supplied text made safe for a terminal: C0 controls, DEL, C1 controls (ESC and CSI
 * included) and the bidi overrides and isolates (U+202A-U+202E, U+2066-U+2069) are shown as
 * escapes (`\n`, `\x1b`, `\u202e`) instead of being acted on, so an annotation can neither
 * clear the screen, retitle the window, add a fake table row nor reorder what is shown. Tables
 * and lists escape every cell; the CLI escapes every line it writes to stderr; JSON keeps the
 * value, with these characters \u-escaped (json.ts). Pure.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const ANY_UNSAFE = new RegExp(UNSAFE.source);
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function escapeControls(text: string): string {
  // Tested first: a replace that finds nothing still allocates, and a table escapes every cell.
  if (!ANY_UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/** What JSON.stringify leaves raw of UNSAFE: it escapes C0 itself, and the layout's newlines are C0. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** JSON text with DEL, C1 and bidi controls \u-escaped: any JSON reader gets the exact value back. */
export function escapeControlsInJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

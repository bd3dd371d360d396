/**
 * Image names compared as `Intl.Collator('en', { sensitivity: 'base' })` compares them, which
 * is how listings sort them, without making that collator when every name is printable ASCII:
 * making one loads ICU's collation data, about 9 ms of every listing. For printable ASCII that
 * collation is lexicographic over each character's primary weight, in CLDR's root order
 * (space, punctuation, symbols, digits, then letters, case aside); test/unit/ops/name-collation
 * checks this table against the running Node's collator, character by character and on
 * random names.
 */
const ROOT_ORDER = [' ', '_', '-', ',', ';', ':', '!', '?', '.', "'", '"', '(', ')', '[', ']', '{', '}', '@', '*', '/', '\\', '&', '#', '%', '`', '^', '+', '<', '=', '>', '|', '~', '$',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'Aa', 'Bb', 'Cc', 'Dd', 'Ee', 'Ff', 'Gg', 'Hh', 'Ii', 'Jj', 'Kk', 'Ll', 'Mm', 'Nn', 'Oo', 'Pp', 'Qq', 'Rr', 'Ss',
  'Tt', 'Uu', 'Vv', 'Ww', 'Xx', 'Yy', 'Zz'];

const WEIGHT = new Uint8Array(128);
ROOT_ORDER.forEach((chars, weight) => {
  for (const c of chars) WEIGHT[c.charCodeAt(0)] = weight + 1;
});

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function compareAscii(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = WEIGHT[a.charCodeAt(i)]! - WEIGHT[b.charCodeAt(i)]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** A comparison of these names (and only these) equal in sign to the collator's. */
export function nameComparer(names: Iterable<string>): (a: string, b: string) => number {
  for (const n of names) if (!PRINTABLE_ASCII.test(n)) return new Intl.Collator('en', { sensitivity: 'base' }).compare;
  return compareAscii;
}

/**
 * Sizes as people write them: a number of bytes, or a number with a unit K, M, G, T or P, each
 * 1024 times the one before, with an optional `B`, `i` or `iB` after it, or `B` alone (`512M`, `2GiB`, `127GB`, `1.5G`), any
 * case. As PowerShell reads `127GB` and moby its `size=` storage option (go-units' RAMInBytes):
 * binary units, whichever spelling.
 */
const UNIT: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50 };

/** The bytes `text` names (rounded down to a whole byte), or undefined when it is not a size. */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([KMGTP])i?B?|B)?\s*$/i.exec(text);
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * UNIT[(m[2] ?? '').toUpperCase()]!);
}

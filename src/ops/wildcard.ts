/**
 * PowerShell wildcard patterns, as -Name takes them: `*` any run, `?` one character,
 * `[abc]`/`[a-z]` a set; matching is case-insensitive and anchored at both ends.
 */
export function isWildcard(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** What every name the pattern matches begins with (case aside): the text before its first wildcard. */
export function literalPrefix(pattern: string): string {
  const at = pattern.search(/[*?[]/);
  return at === -1 ? pattern : pattern.slice(0, at);
}

export function wildcardRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) {
        re += '\\[';
        continue;
      }
      re += `[${pattern.slice(i + 1, end).replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

/** True when `name` matches any of `patterns`; no patterns matches everything. */
export function matchesAny(name: string, patterns: readonly string[] | undefined): boolean {
  if (!patterns || patterns.length === 0) return true;
  return patterns.some((p) => wildcardRegExp(p).test(name));
}

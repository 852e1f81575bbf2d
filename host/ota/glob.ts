/**
 * `--pattern`: shell-style globs over device ids (`*`, `?`, `[abc]`, `[a-z]`,
 * `[!x]`). Device ids are one topic level, so `*` needs no path rules.
 */
export function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close === -1) {
        source += "\\[";
        continue;
      }
      let set = pattern.slice(i + 1, close);
      if (set.startsWith("!")) set = `^${set.slice(1)}`;
      source += `[${set.replace(/\\/g, "\\\\")}]`;
      i = close;
    } else source += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

export function matchDevices(ids: readonly string[], pattern: string): string[] {
  const re = globToRegExp(pattern);
  return ids.filter((id) => re.test(id));
}

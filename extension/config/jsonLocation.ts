/**
 * Where a JSON path such as `$.model.topK` or `$.data.files[1]` is in a config's text, to put a
 * diagnostic there. A key scan, not a parser: good for the two-level objects of a run config.
 * No 'vscode' import.
 */

/** Offset and length of the key of the deepest found segment of path; the start of the text if none. */
export function locateJsonPath(text: string, path: string): { offset: number; length: number } {
  const keys = [...path.matchAll(/\.([^.[\]]+)/g)].map((m) => m[1]);
  let from = 0;
  let found = { offset: 0, length: 0 };
  for (const key of keys) {
    const quoted = JSON.stringify(key);
    const at = text.indexOf(quoted, from);
    if (at < 0) break;
    found = { offset: at, length: quoted.length };
    from = at + quoted.length;
  }
  return found;
}

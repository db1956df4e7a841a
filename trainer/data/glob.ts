/**
 * A small file glob: `*` and `?` match within one path segment, `**` matches any number of
 * directories. Names starting with "." are matched only by a segment that starts with ".".
 */
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, parse, resolve } from 'node:path';

export function hasGlobChars(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/** Regex for one segment such as `*.txt` or `part-??.md`. */
export function segmentRegex(segment: string): RegExp {
  let source = '';
  for (const ch of segment) {
    if (ch === '*') source += '[^/\\\\]*';
    else if (ch === '?') source += '[^/\\\\]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function listDir(dir: string): { name: string; isDir: boolean }[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).map((e) => ({ name: e.name, isDir: e.isDirectory() }));
  } catch {
    return [];
  }
}

function walk(dir: string, segments: string[], out: Set<string>): void {
  if (segments.length === 0) {
    if (isFile(dir)) out.add(dir);
    return;
  }
  const [segment, ...rest] = segments;
  if (segment === '**') {
    walk(dir, rest, out);
    for (const entry of listDir(dir)) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isDir) walk(join(dir, entry.name), segments, out);
      else if (rest.length === 0) walk(join(dir, entry.name), rest, out); // a trailing ** matches every file below
    }
    return;
  }
  if (!hasGlobChars(segment)) {
    walk(join(dir, segment), rest, out);
    return;
  }
  const regex = segmentRegex(segment);
  const hiddenAllowed = segment.startsWith('.');
  for (const entry of listDir(dir)) {
    if (entry.name.startsWith('.') && !hiddenAllowed) continue;
    if (regex.test(entry.name)) walk(join(dir, entry.name), rest, out);
  }
}

/** Files matching `pattern` (relative to `baseDir` unless absolute), sorted. A plain path gives itself if it is a file. */
export function expandGlob(pattern: string, baseDir: string): string[] {
  const absolute = isAbsolute(pattern) ? pattern : resolve(baseDir, pattern);
  const { root } = parse(absolute);
  const separators = process.platform === 'win32' ? /[\\/]+/ : /\/+/;
  const segments = absolute
    .slice(root.length)
    .split(separators)
    .filter((s) => s.length > 0 && s !== '.');
  const out = new Set<string>();
  walk(root, segments, out);
  return [...out].sort();
}

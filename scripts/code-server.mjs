// code-server (VS Code in a browser, from npm) for `npm start` and the end-to-end tests.
// The reason for each flag is given where it is set, below.
//   node scripts/code-server.mjs install   installs code-server into .cache/code-server if missing
import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const installDir = join(repoRoot, '.cache', 'code-server');
const packageDir = join(installDir, 'node_modules', 'code-server');
export const codeServerBin = join(packageDir, 'out', 'node', 'entry.js');

/** APT packages code-server's native modules build against, plus the browser the tests drive. */
export const APT_PREREQUISITES = [
  'chromium',
  'fonts-liberation',
  'libkrb5-dev',
  'libxkbfile-dev',
  'libsecret-1-dev',
  'pkg-config',
  'ripgrep',
];

// Built by code-server's install scripts: without it the server starts but its terminals do not.
const nativeModule = join(packageDir, 'lib', 'vscode', 'node_modules', 'node-pty', 'build', 'Release', 'pty.node');

function installedVersion() {
  try {
    return JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** The right version, with its install scripts run (an interrupted install does not count). */
const isInstalled = () =>
  installedVersion() === CODE_SERVER_VERSION && existsSync(codeServerBin) && existsSync(nativeModule);

function commandExists(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** apt-get install the packages that are missing or older than minMajorVersion (needs root; says what to
 * do otherwise); with `backports`, from Debian bookworm-backports (the webgpu tests need Mesa 25's lavapipe). */
export function ensureAptPackages(packages, { backports = false, minMajorVersion = 0 } = {}) {
  const missing = packages.filter((pkg) => {
    try {
      const status = execFileSync('dpkg-query', ['-W', '-f=${Status} ${Version}', pkg], { encoding: 'utf8' });
      const major = Number(/ (?:\d+:)?(\d+)/.exec(status)?.[1] ?? 0);
      return !status.includes('install ok installed') || major < minMajorVersion;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  const from = backports ? ['-t', 'bookworm-backports'] : [];
  if (process.getuid?.() !== 0 || !commandExists('apt-get')) {
    throw new Error(
      `missing system packages: ${missing.join(' ')}\n` +
        `install them with: sudo apt-get install -y --no-install-recommends ${[...from, ...packages].join(' ')}`,
    );
  }
  console.log(`installing system packages: ${missing.join(' ')}`);
  if (backports) {
    writeFileSync(
      '/etc/apt/sources.list.d/bookworm-backports.list',
      'deb http://deb.debian.org/debian bookworm-backports main\n',
    );
  }
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...from, ...packages], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** What the browser and VS Code tests need from Debian. */
export function ensureAptPrerequisites() {
  ensureAptPackages(APT_PREREQUISITES);
}

/** code-server's @vscode/ripgrep install step downloads rg from a host we cannot reach; it first looks
 * in this cache, so put Debian's rg there under the name it expects. */
function prefillRipgrepCache() {
  const cacheDir = join(tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  const tarball = join(cacheDir, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
  if (existsSync(tarball)) return;
  const rg = execFileSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).trim();
  const staging = mkdtempSync(join(tmpdir(), 'rg-'));
  execFileSync('cp', [rg, join(staging, 'rg')]);
  mkdirSync(cacheDir, { recursive: true });
  execFileSync('tar', ['-czf', tarball, '-C', staging, 'rg']);
  rmSync(staging, { recursive: true, force: true });
}

/** Installs code-server into .cache/code-server unless that version is already there. */
export function ensureCodeServer() {
  if (isInstalled()) return codeServerBin;
  if (!commandExists('rg')) ensureAptPrerequisites();
  prefillRipgrepCache();
  mkdirSync(installDir, { recursive: true });
  // Its own package.json, so npm does not walk up and install into the repo's node_modules. It
  // approves the install scripts that build code-server's native modules: npm 11 only warns about
  // unapproved ones today, and later releases will skip them.
  const cacheManifest = {
    name: 'code-server-cache',
    private: true,
    allowScripts: { 'code-server': true, argon2: true },
  };
  writeFileSync(join(installDir, 'package.json'), JSON.stringify(cacheManifest, null, 2) + '\n');
  console.log(`installing code-server ${CODE_SERVER_VERSION} into ${installDir} (1-3 minutes)`);
  execFileSync(
    'npm',
    [
      'install',
      `code-server@${CODE_SERVER_VERSION}`,
      '--unsafe-perm', // its install script refuses to run as root otherwise
      '--foreground-scripts',
      '--no-audit',
      '--no-fund',
      '--no-save',
      '--prefix',
      installDir,
    ],
    // npm_config_yes: node-pty's install runs `npx node-gyp`, which would otherwise ask (or refuse).
    { stdio: 'inherit', cwd: installDir, env: { ...process.env, npm_config_yes: 'true' } },
  );
  if (installedVersion() !== CODE_SERVER_VERSION || !existsSync(codeServerBin)) {
    throw new Error(`code-server ${CODE_SERVER_VERSION} did not install into ${installDir}`);
  }
  if (!existsSync(nativeModule)) {
    throw new Error(`code-server installed but its install scripts did not run (no ${nativeModule})`);
  }
  return codeServerBin;
}

function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); // a zombie is gone too
  } catch {
    return false;
  }
}

/** Every process below `pid` (Linux /proc), including those in other process groups, such as the
 * trainers the extension starts detached. */
function descendants(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so parse after the last ')'
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited while listing
    }
  }
  const found = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** A TCP port that was free a moment ago on 127.0.0.1 (`port` itself, or any when 0). */
export function freePort(port = 0) {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', (error) =>
      reject(
        error.code === 'EADDRINUSE' ? new Error(`port ${port} on 127.0.0.1 is in use; choose another one`) : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Copies the example run configs (examples/) into `destination`, a workspace folder of their own.
 * Files already there stay (a user's edits and runs survive `npm start` restarts). The configs'
 * `$schema` points at ../dist/ relative to examples/; in the copy it points at the repo's dist/.
 */
export function copyExamplesWorkspace(destination) {
  const examples = join(repoRoot, 'examples');
  mkdirSync(destination, { recursive: true });
  const schemaUrl = pathToFileURL(join(repoRoot, 'dist', 'moe-run.schema.json')).href;
  for (const name of readdirSync(examples)) {
    const target = join(destination, name);
    if (name === '.moe-runs' || existsSync(target)) continue;
    if (name.endsWith('.moe.json')) {
      const config = JSON.parse(readFileSync(join(examples, name), 'utf8'));
      if (typeof config.$schema === 'string') config.$schema = schemaUrl;
      writeFileSync(target, JSON.stringify(config, null, 2) + '\n');
    } else {
      cpSync(join(examples, name), target, { recursive: true });
    }
  }
}

const BASE_USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'workbench.tips.enabled': false,
  'chat.disableAIFeatures': true,
  // npm start's workspace lives in .cache/ of this repo: no "open the parent repository?" prompt.
  'git.openRepositoryInParentFolders': 'never',
};

async function waitForHealth(url, child, log, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${log()}`);
    try {
      const response = await fetch(new URL('/healthz', url));
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer /healthz within ${timeoutMs / 1000} s:\n${log()}`);
}

/**
 * Starts code-server with this repo installed as an extension (a symlink named like an installed
 * extension, so the built dist/ is what runs) and `workspace` open.
 * trust: true  -> workspace trust is off, everything is trusted (what a user who trusts the folder gets);
 *        false -> trust is on and the folder is not trusted (restricted mode).
 * Returns { url, port, workspaceUrl, userDataDir, log(), exited, stop() }; stop() ends the process tree.
 */
export async function startCodeServer({ workspace, trust, port, userSettings = {}, quiet = true, stateDir }) {
  const bin = ensureCodeServer();
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  // stateDir keeps VS Code's state (open editors, dashboards) across restarts; without it, a fresh one.
  const root = stateDir ?? mkdtempSync(join(tmpdir(), 'moe-lens-code-server-'));
  const userDataDir = join(root, 'user');
  const extensionsDir = join(root, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  rmSync(extensionsDir, { recursive: true, force: true });
  mkdirSync(extensionsDir, { recursive: true });
  symlinkSync(repoRoot, join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`));
  const settings = { ...BASE_USER_SETTINGS, 'security.workspace.trust.enabled': !trust, ...userSettings };
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const configFile = join(root, 'config.yaml');
  writeFileSync(configFile, 'auth: none\n');

  const listenPort = await freePort(port ?? 0);
  const args = [
    bin,
    '--config',
    configFile,
    '--bind-addr',
    `127.0.0.1:${listenPort}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    ...(trust ? ['--disable-workspace-trust'] : []),
    workspace,
  ];
  const child = spawn(process.execPath, args, {
    detached: true, // own process group: stop() takes the extension host and the trainers with it
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, EXTENSIONS_GALLERY: '{}' }, // no marketplace: nothing to reach
  });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20_000);
    if (!quiet) process.stdout.write(chunk);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  const url = `http://127.0.0.1:${listenPort}/`;
  const exited = new Promise((r) =>
    child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code)),
  );
  // code-server runs detached: if this process ends without stop() (a crash, a test runner's timeout),
  // take its process group along rather than leave a server running.
  const killOnExit = () => {
    signal(-child.pid, 'SIGKILL');
    if (!stateDir) rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  exited.then(() => process.off('exit', killOnExit));
  let stopping;
  /** Like closing VS Code: SIGTERM to the server, which shuts the extension host down (the extension's
   * deactivate stops its trainers). Whatever of the process tree (and of `alsoWatch`, processes that
   * were in it earlier) is still alive after the grace period is killed; stop() resolves with those
   * pids, so a test can tell a clean shutdown from a forced one. */
  const stop = (graceMs = 25_000, alsoWatch = []) => {
    stopping ??= (async () => {
      const tree = [...new Set([...descendants(child.pid), ...alsoWatch])];
      signal(child.pid, 'SIGTERM');
      const deadline = Date.now() + graceMs;
      await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
      while (Date.now() < deadline && tree.some(isAlive)) await new Promise((r) => setTimeout(r, 200));
      const survivors = [child.pid, ...tree].filter(isAlive);
      signal(-child.pid, 'SIGKILL');
      for (const pid of survivors) signal(pid, 'SIGKILL');
      await exited;
      if (!stateDir) rmSync(root, { recursive: true, force: true });
      return survivors;
    })();
    return stopping;
  };
  try {
    await waitForHealth(url, child, () => output, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    port: listenPort,
    workspaceUrl: `${url}?folder=${encodeURIComponent(workspace)}`,
    userDataDir,
    log: () => output,
    processTree: () => descendants(child.pid),
    exited,
    stop,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  if (command === 'install') {
    ensureAptPrerequisites();
    console.log(`code-server ${CODE_SERVER_VERSION}: ${ensureCodeServer()}`);
  } else {
    console.error('usage: node scripts/code-server.mjs install');
    process.exit(1);
  }
}

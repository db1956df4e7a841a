// `npm start`: the main job. Builds the extension, installs code-server into .cache/ when missing,
// opens a workspace made from examples/ (kept in .cache/workspace across runs, so runs survive) and
// serves VS Code with MoE Lens on 127.0.0.1 until Ctrl-C.
//   PORT=8081 npm start      another port (default 8080)
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  copyExamplesWorkspace,
  ensureAptPrerequisites,
  ensureCodeServer,
  repoRoot,
  startCodeServer,
} from './code-server.mjs';

const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`PORT must be a TCP port number (1-65535), got ${JSON.stringify(process.env.PORT)}`);
  process.exit(1);
}

execFileSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
ensureAptPrerequisites();
ensureCodeServer();

const workspace = join(repoRoot, '.cache', 'workspace');
copyExamplesWorkspace(workspace);

// The user's own workspace: trust is off, so the folder is trusted and runs can start.
const stateDir = join(repoRoot, '.cache', 'code-server-state');
const server = await startCodeServer({ workspace, trust: true, port, quiet: false, stateDir });
console.log(`\nMoE Lens in VS Code: ${server.workspaceUrl}`);
console.log(`workspace: ${workspace}`);
console.log('Open a *.moe.json config there and run "MoE Lens: Start Run" from the command palette (F1).');
console.log('Ctrl-C stops the server.\n');

let stopping = false;
const stop = async (signal) => {
  // A second Ctrl-C does not wait: exiting kills code-server's process group (see startCodeServer).
  if (stopping) process.exit(130);
  stopping = true;
  console.log(`\n${signal}: stopping code-server (training runs stop with a checkpoint; Ctrl-C again to kill)`);
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
// Keep running while code-server does; stop() exits.
server.exited.then((code) => {
  if (stopping) return;
  console.error(`code-server exited by itself (code ${code})`);
  process.exit(1);
});

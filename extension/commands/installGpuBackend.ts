/**
 * MoE Lens: Install GPU Backend — npm-installs a native TensorFlow.js backend into the extension's
 * global storage, where the trainer's `auto` backend looks (MOE_LENS_NATIVE_MODULES).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as vscode from 'vscode';
import type { Services } from './services';

/** The version the bundled @tensorflow/tfjs is at: a native backend must match it. */
const TFJS_VERSION = '4.22.0';

const PACKAGES = [
  { label: '@tensorflow/tfjs-node-gpu', detail: 'CUDA GPU backend (needs an NVIDIA GPU with CUDA and cuDNN)' },
  { label: '@tensorflow/tfjs-node', detail: 'Native CPU backend (libtensorflow), faster than wasm' },
];

export async function installGpuBackend({ context, log }: Services): Promise<void> {
  const choice = await vscode.window.showQuickPick(PACKAGES, { title: 'MoE Lens: Install GPU Backend', placeHolder: 'Backend to install' });
  if (!choice) return;
  const prefix = join(context.globalStorageUri.fsPath, 'native');
  mkdirSync(prefix, { recursive: true });
  const args = ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `${choice.label}@${TFJS_VERSION}`];
  log.info(`npm ${args.join(' ')}`);
  log.show(true);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `MoE Lens: installing ${choice.label}`, cancellable: true },
    (progress, cancel) =>
      new Promise<{ ok: boolean; why: string }>((resolve) => {
        const lastLines: string[] = [];
        const npm = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, {
          cwd: prefix,
          stdio: ['ignore', 'pipe', 'pipe'],
          shell: process.platform === 'win32',
        });
        cancel.onCancellationRequested(() => npm.kill('SIGTERM'));
        const onLine = (line: string) => {
          log.info(`[npm] ${line}`);
          lastLines.push(line);
          if (lastLines.length > 40) lastLines.shift();
          progress.report({ message: line.slice(0, 80) });
        };
        createInterface({ input: npm.stdout }).on('line', onLine);
        createInterface({ input: npm.stderr }).on('line', onLine);
        npm.on('error', (error) => resolve({ ok: false, why: `npm could not be started: ${error.message}` }));
        npm.on('close', (code, signal) => {
          const unreachable = lastLines.map((l) => /(ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN)\b.*/.exec(l)?.[0]).find(Boolean);
          const why = cancel.isCancellationRequested ? 'cancelled' : (unreachable ?? `npm exited with ${code ?? signal}`);
          resolve({ ok: code === 0, why });
        });
      }),
  );
  if (result.ok) {
    void vscode.window.showInformationMessage(`MoE Lens: ${choice.label} installed. Runs with backend "auto" use it from now on.`);
    return;
  }
  log.error(`installing ${choice.label} failed: ${result.why}`);
  const action = await vscode.window.showErrorMessage(
    `MoE Lens: installing ${choice.label} failed (${result.why}). Its installer downloads libtensorflow from ` +
      'storage.googleapis.com, which may be unreachable from this machine. Runs go on with the wasm backend.',
    'Show Log',
  );
  if (action) log.show();
}

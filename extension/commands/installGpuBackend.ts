/**
 * MoE Lens: Install GPU Backend — npm-installs an optional TensorFlow.js backend into the extension's
 * global storage, where the trainer looks (MOE_LENS_NATIVE_MODULES): WebGPU first (Dawn, any GPU
 * through Vulkan, Metal or D3D12), then the two native libtensorflow ones. A WebGPU install is
 * checked by listing the adapters the trainer finds with it (`trainer.js --list-adapters`).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as vscode from 'vscode';
import { gpuAdapterLabel, type GpuAdapter } from '../../protocol/events';
import type { Services } from './services';

/** The version the bundled @tensorflow/tfjs is at: every backend package must match it. */
const TFJS_VERSION = '4.22.0';
/** Dawn for Node, the version the trainer is tested with */
const DAWN_VERSION = '0.6.2';

interface BackendPackage extends vscode.QuickPickItem {
  packages: string[];
  /** why an install may fail, for the error message */
  failureHint: string;
  webgpu?: boolean;
}

const BACKEND_PACKAGES: BackendPackage[] = [
  {
    label: 'WebGPU (Dawn)',
    description: `webgpu@${DAWN_VERSION} + @tensorflow/tfjs-backend-webgpu@${TFJS_VERSION}`,
    detail: 'NVIDIA, AMD, Intel and Apple GPUs through Vulkan, Metal or D3D12; no CUDA needed; ~45 MB from npm',
    packages: [`webgpu@${DAWN_VERSION}`, `@tensorflow/tfjs-backend-webgpu@${TFJS_VERSION}`],
    failureHint: 'Both packages come from the npm registry, which must be reachable.',
    webgpu: true,
  },
  {
    label: '@tensorflow/tfjs-node-gpu',
    detail: 'CUDA GPU backend (needs an NVIDIA GPU with CUDA 11.2 and cuDNN 8.1; fails on CUDA 12)',
    packages: [`@tensorflow/tfjs-node-gpu@${TFJS_VERSION}`],
    failureHint:
      'Its installer downloads libtensorflow from storage.googleapis.com, which may be unreachable from this machine.',
  },
  {
    label: '@tensorflow/tfjs-node',
    detail: 'Native CPU backend (libtensorflow), faster than wasm',
    packages: [`@tensorflow/tfjs-node@${TFJS_VERSION}`],
    failureHint:
      'Its installer downloads libtensorflow from storage.googleapis.com, which may be unreachable from this machine.',
  },
];

type Progress = vscode.Progress<{ message?: string }>;

/** Runs npm in `prefix`, reporting each output line as progress; resolves with whether it succeeded and why not. */
function runNpm(
  args: string[],
  prefix: string,
  progress: Progress,
  cancel: vscode.CancellationToken,
  log: vscode.LogOutputChannel,
) {
  return new Promise<{ ok: boolean; why: string }>((resolve) => {
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
      const unreachable = lastLines
        .map((l) => /(ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN)\b.*/.exec(l)?.[0])
        .find(Boolean);
      const why = cancel.isCancellationRequested ? 'cancelled' : (unreachable ?? `npm exited with ${code ?? signal}`);
      resolve({ ok: code === 0, why });
    });
  });
}

/** The adapters the trainer finds with the installed Dawn, or why it found none. */
function listAdapters(
  context: vscode.ExtensionContext,
  modules: string,
): Promise<{ adapters: GpuAdapter[]; failure?: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [context.asAbsolutePath(join('dist', 'trainer.js')), '--list-adapters'],
      { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', MOE_LENS_NATIVE_MODULES: modules }, timeout: 60_000 },
      (error, stdout, stderr) => {
        try {
          resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as { adapters: GpuAdapter[]; failure?: string });
        } catch {
          resolve({
            adapters: [],
            failure: `the trainer could not list adapters: ${(stderr || error?.message || 'no output').trim().split('\n')[0]}`,
          });
        }
      },
    );
  });
}

function adapterLine(adapter: GpuAdapter): string {
  return `${gpuAdapterLabel(adapter)}${adapter.software ? ' [software]' : ''}`;
}

/** Tells what the install found: a hardware adapter (auto takes it), only a software one, or none. */
async function reportWebGpu(
  context: vscode.ExtensionContext,
  modules: string,
  log: vscode.LogOutputChannel,
): Promise<void> {
  const { adapters, failure } = await listAdapters(context, modules);
  for (const adapter of adapters) log.info(`WebGPU adapter: ${adapterLine(adapter)}`);
  const hardware = adapters.filter((a) => !a.software);
  const found = adapters.map(adapterLine).join('; ');
  if (hardware.length > 0) {
    void vscode.window.showInformationMessage(
      `MoE Lens: WebGPU installed. Adapters: ${found}. Runs with backend "auto" train on it.`,
    );
  } else if (adapters.length > 0) {
    void vscode.window.showWarningMessage(
      `MoE Lens: WebGPU installed, but it found only a software adapter (${found}), which runs on the CPU. ` +
        'Backend "auto" keeps to the CPU backends; "webgpu" uses it anyway (slow, for testing).',
    );
  } else {
    const action = await vscode.window.showWarningMessage(
      `MoE Lens: WebGPU installed, but it found no adapter (${failure ?? 'none offered'}). It needs a Vulkan driver on Linux ` +
        "(the GPU vendor's, or Mesa's mesa-vulkan-drivers ≥ 23), Metal on macOS, D3D12 on Windows. Runs go on with the other backends.",
      'Show Log',
    );
    if (action) log.show();
  }
}

export async function installGpuBackend({ context, log }: Services): Promise<void> {
  const choice = await vscode.window.showQuickPick(BACKEND_PACKAGES, {
    title: 'MoE Lens: Install GPU Backend',
    placeHolder: 'Backend to install',
  });
  if (!choice) return;
  const prefix = join(context.globalStorageUri.fsPath, 'native');
  mkdirSync(prefix, { recursive: true });
  const args = ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, ...choice.packages];
  // The progress notification shows npm's lines; the log keeps them all (Show Log if it fails).
  log.info(`npm ${args.join(' ')}`);
  const result = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `MoE Lens: installing ${choice.label}`,
      cancellable: true,
    },
    (progress, cancel) => runNpm(args, prefix, progress, cancel, log),
  );
  if (result.ok && choice.webgpu) {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'MoE Lens: looking for WebGPU adapters' },
      () => reportWebGpu(context, join(prefix, 'node_modules'), log),
    );
    return;
  }
  if (result.ok) {
    void vscode.window.showInformationMessage(
      `MoE Lens: ${choice.label} installed. Runs with backend "auto" use it from now on.`,
    );
    return;
  }
  log.error(`installing ${choice.label} failed: ${result.why}`);
  const action = await vscode.window.showErrorMessage(
    `MoE Lens: installing ${choice.label} failed (${result.why}). ${choice.failureHint} Runs go on with the wasm backend.`,
    'Show Log',
  );
  if (action) log.show();
}

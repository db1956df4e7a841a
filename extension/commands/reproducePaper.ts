/**
 * "MoE Lens: Reproduce Paper…": pick a paper preset (examples/papers, shipped as dist/papers, and any
 * *.compare.json in the workspace's papers/ folder, which take precedence by name), run its
 * comparison over seeds with the compare tool (dist/compare.js) into the runs directory, then open
 * Compare Run Curves on its runs and, beside it, the report with the paper's figures next to ours.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { parseComparePreset, type ComparePreset, type CompareReport } from '../../protocol/comparePreset';
import { signalProcessGroup } from '../runs/processTree';
import type { Services } from './services';
import { requireTrust } from './trust';

/**
 * The presets: the workspace's papers/, then dist/papers (packaged) or examples/papers (repository);
 * first of a name wins. A preset that cannot be read is left out and its problems are shown.
 */
function readPresets(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): ComparePresetFile[] {
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const folders = [
    ...(workspace ? [join(workspace, 'papers')] : []),
    context.asAbsolutePath(join('dist', 'papers')),
    context.asAbsolutePath(join('examples', 'papers')),
  ].filter(existsSync);
  const byName = new Map<string, string>();
  for (const folder of folders) {
    for (const name of readdirSync(folder)
      .filter((f) => f.endsWith('.compare.json'))
      .sort()) {
      if (!byName.has(name)) byName.set(name, join(folder, name));
    }
  }
  const presets: ComparePresetFile[] = [];
  for (const file of byName.values()) {
    try {
      presets.push({ file, preset: parseComparePreset(readFileSync(file, 'utf8'), file) });
    } catch (error) {
      const problems = (error as Error).message;
      log.error(`Reproduce Paper: ${problems}`);
      void vscode.window.showErrorMessage(`MoE Lens: a paper preset was left out: ${problems.split('\n')[0]}`);
    }
  }
  return presets;
}

interface ComparePresetFile {
  file: string;
  preset: ComparePreset;
}

export async function reproducePaper({ context, store, log }: Services): Promise<void> {
  if (!requireTrust()) return;
  const runsDir = store.runsDir;
  if (!runsDir) {
    void vscode.window.showErrorMessage(
      'MoE Lens: open a folder first; the comparison’s runs are written to its runs directory.',
    );
    return;
  }
  const presets = readPresets(context, log);
  if (presets.length === 0) {
    void vscode.window.showErrorMessage(
      'MoE Lens: no paper presets found (papers/ in the workspace, or dist/papers in the extension).',
    );
    return;
  }
  const items = presets.map(({ file, preset }) => ({
    label: preset.title,
    description: `${preset.arms.map((a) => a.label).join(' vs ')}, ${preset.seeds} seeds × ${preset.steps} steps`,
    detail: `${preset.paper}. ${preset.setting}`,
    file,
    preset,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: 'MoE Lens: Reproduce Paper',
    placeHolder: 'Pick a paper preset',
    matchOnDetail: true,
  });
  if (!picked) return;

  const base = picked.file.replace(/^.*[\\/]/, '').replace(/\.compare\.json$/, '');
  const name = `${base}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
  const args = [
    context.asAbsolutePath(join('dist', 'compare.js')),
    '--preset',
    picked.file,
    '--out',
    runsDir.fsPath,
    '--name',
    name,
  ];
  log.info(`Reproduce Paper: ${args.join(' ')}`);
  const runs = picked.preset.arms.length * picked.preset.seeds;
  mkdirSync(runsDir.fsPath, { recursive: true }); // the comparison's working folder, absent in a fresh workspace
  const code = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Reproducing ${picked.preset.title}`, cancellable: true },
    (progress, token) =>
      new Promise<number | null>((resolve) => {
        // its own process group, so Cancel stops the comparison and the trainer it is running
        const child = spawn(process.execPath, args, {
          cwd: runsDir.fsPath,
          detached: process.platform !== 'win32',
          stdio: ['ignore', 'ignore', 'pipe'],
          env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        });
        let started = 0;
        let pending = '';
        child.stderr.on('data', (chunk: Buffer) => {
          pending += chunk.toString('utf8');
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) {
            const training = /^compare: training (.*)$/.exec(line);
            if (training)
              progress.report({ message: `run ${++started} of ${runs}: ${training[1]}`, increment: 100 / runs });
            else if (line.startsWith('compare:')) log.info(line);
          }
        });
        token.onCancellationRequested(() => child.pid && signalProcessGroup(child.pid, 'SIGTERM'));
        child.on('error', (error) => {
          log.error(`Reproduce Paper: ${error.message}`);
          resolve(null);
        });
        child.on('close', (exitCode) => resolve(exitCode));
      }),
  );
  const reportFile = join(runsDir.fsPath, `${name}.compare.json`);
  if (code !== 0 || !existsSync(reportFile)) {
    void vscode.window.showErrorMessage(
      `MoE Lens: the comparison ${name} did not finish (exit code ${code}); its runs so far are in the runs view. See the MoE Lens output.`,
    );
    return;
  }
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as CompareReport;
  await store.refresh();
  await vscode.commands.executeCommand(
    'moeLens.compareRuns',
    undefined,
    report.arms.flatMap((a) => a.runs),
  );
  await vscode.commands.executeCommand(
    'markdown.showPreviewToSide',
    vscode.Uri.file(join(runsDir.fsPath, `${name}.compare.md`)),
  );
}

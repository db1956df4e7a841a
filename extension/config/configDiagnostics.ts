/**
 * Problems between fields of a *.moe.json (topK > experts, warmup ≥ steps, …) as diagnostics at their
 * JSON paths, kept current while the user types, from the same validator the trainer runs
 * (protocol/runConfig.ts). Single fields are marked by the JSON Schema and syntax errors by VS Code's
 * JSON checker: neither is repeated here.
 */
import * as vscode from 'vscode';
import { crossFieldProblems, type ConfigProblem } from '../../protocol/runConfig';
import { locateJsonPath } from './jsonLocation';

/** Typing pauses this long before the config is checked again. */
const CHECK_DELAY_MS = 250;

let collection: vscode.DiagnosticCollection | undefined;

const isRunConfig = (document: vscode.TextDocument) => document.uri.path.endsWith('.moe.json');

/** The cross-field problems of the document's text; none while it is not valid JSON. */
export function configProblems(text: string): ConfigProblem[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return []; // the JSON checker reports syntax errors, with their position
  }
  return crossFieldProblems(parsed);
}

/** Checks the document now and shows what is wrong. */
export function refreshConfigDiagnostics(document: vscode.TextDocument): void {
  if (!collection || !isRunConfig(document)) return;
  const text = document.getText();
  collection.set(
    document.uri,
    configProblems(text).map((problem) => {
      const { offset, length } = locateJsonPath(text, problem.path);
      const range = new vscode.Range(document.positionAt(offset), document.positionAt(offset + length));
      const diagnostic = new vscode.Diagnostic(
        range,
        `${problem.path}: ${problem.message}`,
        vscode.DiagnosticSeverity.Error,
      );
      diagnostic.source = 'MoE Lens';
      return diagnostic;
    }),
  );
}

export function registerConfigDiagnostics(): vscode.Disposable {
  collection = vscode.languages.createDiagnosticCollection('moeLens');
  const timers = new Map<string, NodeJS.Timeout>();
  const later = (document: vscode.TextDocument) => {
    if (!isRunConfig(document)) return;
    const key = document.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        refreshConfigDiagnostics(document);
      }, CHECK_DELAY_MS),
    );
  };
  vscode.workspace.textDocuments.forEach(refreshConfigDiagnostics);
  return vscode.Disposable.from(
    collection,
    vscode.workspace.onDidOpenTextDocument(refreshConfigDiagnostics),
    vscode.workspace.onDidChangeTextDocument((e) => later(e.document)),
    vscode.workspace.onDidCloseTextDocument((document) => collection?.delete(document.uri)),
    { dispose: () => timers.forEach((timer) => clearTimeout(timer)) },
  );
}

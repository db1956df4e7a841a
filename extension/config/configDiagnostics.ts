/**
 * Problems found in a *.moe.json when a run was refused, as diagnostics at their JSON paths (the
 * schema covers the rest while typing; this adds what only the validator knows, e.g. topK > experts).
 */
import * as vscode from 'vscode';
import type { ConfigProblem } from '../../protocol/runConfig';
import { locateJsonPath } from './jsonLocation';

let collection: vscode.DiagnosticCollection | undefined;

export function registerConfigDiagnostics(): vscode.Disposable {
  collection = vscode.languages.createDiagnosticCollection('moeLens');
  // Stale as soon as the file is edited.
  const edits = vscode.workspace.onDidChangeTextDocument((e) => collection?.delete(e.document.uri));
  return vscode.Disposable.from(collection, edits);
}

export function showConfigProblems(document: vscode.TextDocument, problems: readonly ConfigProblem[]): void {
  if (!collection) return;
  const text = document.getText();
  collection.set(
    document.uri,
    problems.map((problem) => {
      const { offset, length } = locateJsonPath(text, problem.path);
      const range = new vscode.Range(document.positionAt(offset), document.positionAt(offset + length));
      const diagnostic = new vscode.Diagnostic(range, `${problem.path}: ${problem.message}`, vscode.DiagnosticSeverity.Error);
      diagnostic.source = 'MoE Lens';
      return diagnostic;
    }),
  );
}

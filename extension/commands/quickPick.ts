/**
 * A quick pick that is one step of several: its title carries the step count ("Compare Run Configs
 * (1/2)") and its placeholder says what this step picks (e.g. the left side of a diff).
 */
import * as vscode from 'vscode';

export interface PickStep {
  title: string;
  placeholder: string;
  /** 1-based step, and how many there are */
  step?: number;
  totalSteps?: number;
  matchOnDescription?: boolean;
  matchOnDetail?: boolean;
}

/** Resolves with the item picked, or undefined when the pick is dismissed. */
export async function pickOne<T extends vscode.QuickPickItem>(
  items: readonly T[],
  options: PickStep,
): Promise<T | undefined> {
  const count =
    options.step !== undefined && options.totalSteps !== undefined ? ` (${options.step}/${options.totalSteps})` : '';
  return vscode.window.showQuickPick(items, {
    title: `${options.title}${count}`,
    placeHolder: options.placeholder,
    matchOnDescription: options.matchOnDescription,
    matchOnDetail: options.matchOnDetail,
  });
}

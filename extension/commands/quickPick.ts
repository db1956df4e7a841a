/** A quick pick that is one step of several ("Compare Run Configs (1/2)"), titled with what it picks. */
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

/** Shows the items and resolves with the one accepted, or undefined when the pick is dismissed. */
export function pickOne<T extends vscode.QuickPickItem>(items: readonly T[], options: PickStep): Promise<T | undefined> {
  const pick = vscode.window.createQuickPick<T>();
  Object.assign(pick, {
    title: options.title,
    placeholder: options.placeholder,
    step: options.step,
    totalSteps: options.totalSteps,
    matchOnDescription: options.matchOnDescription ?? false,
    matchOnDetail: options.matchOnDetail ?? false,
    items,
  });
  return new Promise((resolve) => {
    let picked: T | undefined;
    pick.onDidAccept(() => {
      picked = pick.selectedItems[0];
      pick.hide();
    });
    pick.onDidHide(() => {
      pick.dispose();
      resolve(picked);
    });
    pick.show();
  });
}

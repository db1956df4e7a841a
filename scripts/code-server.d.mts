// Types of code-server.mjs, for the TypeScript end-to-end harness (test/e2e/harness.ts).
export const CODE_SERVER_VERSION: string;
export const repoRoot: string;
export const codeServerBin: string;
export const APT_PREREQUISITES: string[];

export function ensureAptPrerequisites(): void;
export function ensureCodeServer(): string;
export function freePort(): Promise<number>;
export function copyExamplesWorkspace(destination: string): void;

export interface CodeServer {
  url: string;
  port: number;
  /** the URL that opens the workbench on the workspace folder */
  workspaceUrl: string;
  userDataDir: string;
  /** the last ~20 kB of code-server's stdout and stderr */
  log(): string;
  /** stops code-server's whole process group (extension host and trainers included) */
  stop(): Promise<void>;
}

export function startCodeServer(options: {
  workspace: string;
  /** true: workspace trust off (all trusted); false: trust on and the folder not trusted */
  trust: boolean;
  port?: number;
  userSettings?: Record<string, unknown>;
  /** false: echo code-server's output */
  quiet?: boolean;
}): Promise<CodeServer>;

// Types of code-server.mjs, for the TypeScript end-to-end harness (test/e2e/harness.ts).
export const CODE_SERVER_VERSION: string;
export const repoRoot: string;
export const codeServerBin: string;
export const APT_PREREQUISITES: string[];

export function ensureAptPackages(
  packages: string[],
  options?: { backports?: boolean; minMajorVersion?: number },
): void;
export function ensureAptPrerequisites(): void;
export function ensureCodeServer(): string;
export function freePort(port?: number): Promise<number>;
export function copyExamplesWorkspace(destination: string): void;

export interface CodeServer {
  url: string;
  port: number;
  /** the URL that opens the workbench on the workspace folder */
  workspaceUrl: string;
  userDataDir: string;
  /** the last ~20 kB of code-server's stdout and stderr */
  log(): string;
  /** resolves with the exit code when code-server exits (after stop(), or by itself) */
  exited: Promise<number | null>;
  /**
   * Stops code-server as closing VS Code would (SIGTERM), waits up to graceMs (default 25 s) for its
   * process tree (extension host, trainers) and the `alsoWatch` pids to exit, then kills what is left.
   * Resolves with the pids that had to be killed.
   */
  stop(graceMs?: number, alsoWatch?: number[]): Promise<number[]>;
  /** pids of every process below code-server now (extension host, trainers, ...) */
  processTree(): number[];
}

export function startCodeServer(options: {
  workspace: string;
  /** true: workspace trust off (all trusted); false: trust on and the folder not trusted */
  trust: boolean;
  port?: number;
  userSettings?: Record<string, unknown>;
  /** false: echo code-server's output */
  quiet?: boolean;
  /** a folder keeping VS Code's user data across starts; default: a fresh temporary one, removed on stop */
  stateDir?: string;
}): Promise<CodeServer>;

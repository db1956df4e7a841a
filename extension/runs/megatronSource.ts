/**
 * A Megatron-LM output folder read as a run: its router_trace_rank{N}.jsonl and
 * tokens_per_expert/rank{N}.jsonl files tailed line by line and converted to step events by
 * protocol/megatron.ts. Same read()/restart() as EventLogTail, so the run store treats both alike.
 * No 'vscode' import.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  MEGATRON_FILES,
  MegatronRunAssembler,
  parseRouterTraceLine,
  parseSidecar,
  parseTokensPerExpertLine,
  type RoutingRecord,
} from '../../protocol/megatron';
import { readRegularTextFileSync } from '../../nodeio/regularFile';
import type { TailRead } from './eventLogTail';
import { describeSkippedLine, LineTail } from './lineTail';

type Parser = (text: string) => RoutingRecord | undefined;

/** moe-lens.json is a few names and numbers */
const SIDECAR_MAX_BYTES = 64 * 1024;

/** The rank files of a Megatron output folder: router traces in it, and tokens_per_expert/rank{N}.jsonl. */
export function megatronFiles(folder: string): { file: string; parse: Parser }[] {
  const list = (dir: string) => {
    try {
      return readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isFile());
    } catch {
      return [];
    }
  };
  const tpeDir = join(folder, MEGATRON_FILES.tokensPerExpertDir);
  return [
    ...list(folder)
      .filter((entry) => MEGATRON_FILES.trace.test(entry.name))
      .map((entry) => ({ file: join(folder, entry.name), parse: parseRouterTraceLine })),
    ...list(tpeDir)
      .filter((entry) => MEGATRON_FILES.tokensPerExpert.test(entry.name))
      .map((entry) => ({ file: join(tpeDir, entry.name), parse: parseTokensPerExpertLine })),
  ];
}

export function isMegatronFolder(folder: string): boolean {
  return megatronFiles(folder).length > 0;
}

/** Seconds since the newest of the folder's rank files was written (Infinity without files). */
export function quietSecondsOf(files: string[], now = Date.now()): number {
  let newest = -Infinity;
  for (const file of files) {
    try {
      newest = Math.max(newest, statSync(file).mtimeMs);
    } catch {
      // deleted meanwhile
    }
  }
  return (now - newest) / 1000;
}

export class MegatronSource {
  readonly kind = 'megatron' as const;
  private tails = new Map<string, { tail: LineTail; parse: Parser }>();
  private assembler: MegatronRunAssembler;

  constructor(readonly folder: string) {
    this.assembler = new MegatronRunAssembler(basename(folder));
  }

  /** The file a viewer opens for "the log": the first rank file. */
  get file(): string {
    return megatronFiles(this.folder)[0]?.file ?? this.folder;
  }

  /**
   * Events of the lines appended since the last read, at most a byte budget of each file (`more`: read
   * again). final: the folder stopped growing, so the newest step counts as complete (otherwise a step
   * shows once every rank file has a later one).
   */
  async read(final = false): Promise<TailRead> {
    const problems: string[] = [];
    const sidecar = join(this.folder, MEGATRON_FILES.sidecar);
    if (existsSync(sidecar)) {
      try {
        // read on every poll: a FIFO or a huge file under its name must not hang or fill the host
        this.assembler.setSidecar(
          parseSidecar(readRegularTextFileSync(sidecar, MEGATRON_FILES.sidecar, SIDECAR_MAX_BYTES)),
        );
      } catch (error) {
        problems.push(`${MEGATRON_FILES.sidecar}: ${(error as Error).message}`);
      }
    }
    let restarted = false;
    let more = false;
    for (const { file, parse } of megatronFiles(this.folder)) {
      let entry = this.tails.get(file);
      if (!entry) this.tails.set(file, (entry = { tail: new LineTail(file), parse }));
      const read = await entry.tail.read();
      const { lines, reset } = read;
      if (reset) restarted = true;
      if (read.more) more = true; // a file over the read's byte budget: the caller reads again
      for (const line of lines) {
        if (!('text' in line)) {
          problems.push(`${file} line ${line.number}: ${describeSkippedLine(line.skippedBytes)}`);
          continue;
        }
        try {
          const record = entry.parse(line.text);
          if (record) this.assembler.add(file, record);
        } catch (error) {
          problems.push(`${file} line ${line.number}: ${(error as Error).message}`);
        }
      }
    }
    if (restarted) {
      // A rank file was rewritten (a new run in the same folder): start over from every file.
      this.restart();
      return { ...(await this.read(final)), reset: true };
    }
    // The newest step is complete only once every file has been read to its end.
    const { events, reset } = this.assembler.take(new Date(), final && !more);
    return { events, problems, reset, ...(more && { more: true }) };
  }

  /** Seconds since a rank file was last written. */
  quietSeconds(now = Date.now()): number {
    return quietSecondsOf([...this.tails.keys()], now);
  }

  restart(): void {
    this.tails = new Map();
    this.assembler = new MegatronRunAssembler(basename(this.folder));
  }
}

/** Checks a run folder's events.jsonl, streaming its lines into EventLogChecker. */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EventLogChecker, type LogProblem } from '../protocol/eventLogCheck';
import { RUN_FILES } from '../protocol/events';

export async function validateRunFolder(dir: string): Promise<LogProblem[]> {
  const file = join(dir, RUN_FILES.events);
  if (!existsSync(file)) return [{ line: 0, field: RUN_FILES.events, expected: `a file in ${dir}` }];
  const checker = new EventLogChecker();
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) checker.line(++lineNumber, line);
  return checker.finish();
}

/**
 * `node dist/validate-log.js DIR`: checks the run folder DIR (its events.jsonl) against docs/events.md.
 * Exit 0 when valid; 1 with one line per problem ("events.jsonl:LINE: FIELD: expected …"); 2 on a usage
 * error. Lines are streamed (node:readline), so a large log is never held in memory as one string.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem } from '../protocol/eventLogCheck';
import { RUN_FILES } from '../protocol/events';
import { validateRunFolder } from './runFolderCheck';

async function main(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0] === '--help' || args[0] === '-h') {
    console.error(
      'usage: node dist/validate-log.js RUN_FOLDER   (checks RUN_FOLDER/events.jsonl against docs/events.md)',
    );
    return 2;
  }
  const dir = args[0];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    console.error(`${dir}: not a folder`);
    return 2;
  }
  const problems = await validateRunFolder(dir);
  for (const problem of problems) console.log(formatProblem(join(dir, RUN_FILES.events), problem));
  if (problems.length === 0) console.error(`${join(dir, RUN_FILES.events)}: valid`);
  return problems.length === 0 ? 0 : 1;
}

void main(process.argv.slice(2)).then((code) => process.exit(code));

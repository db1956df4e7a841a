// `npm run bench:parse [-- --steps N]`: builds the bundles, bundles test/bench/eventParse.ts and runs it:
// how long JSON.parse, parseEventLine and the viewer's EventLogChecker take on a 100k-step log.
import { execFileSync } from 'node:child_process';
import { bundleForNode } from './bundleForNode.mjs';

await bundleForNode({ 'bench-parse': 'test/bench/eventParse.ts' });
execFileSync(process.execPath, ['--max-old-space-size=4096', 'out/bench-parse.js', ...process.argv.slice(2)], {
  stdio: 'inherit',
});

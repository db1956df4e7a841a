/**
 * `node out/bench-big-log.js FILE`: reads an event log as the extension host does (EventLogTail,
 * batch by batch, into a RunSummary) and prints time, events, problems and peak RSS. Run through
 * `npm run bench:bigLog`, which writes the log first.
 */
import { EventLogTail } from '../../extension/runs/eventLogTail';
import { applyEvent, createRunSummary } from '../../protocol/runModel/runState';

async function main(file: string): Promise<void> {
  const tail = new EventLogTail(file);
  const summary = createRunSummary();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  let events = 0;
  let batches = 0;
  let longestPause = 0;
  let last = performance.now();
  const watchdog = setInterval(() => {
    const now = performance.now();
    longestPause = Math.max(longestPause, now - last);
    last = now;
  }, 5);
  const problems: string[] = [];
  const t0 = performance.now();
  for (let more = true; more; batches++) {
    const read = await tail.read();
    for (const event of read.events) applyEvent(summary, event);
    events += read.events.length;
    problems.push(...read.problems.slice(0, 5 - Math.min(5, problems.length)));
    more = read.more === true;
  }
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  clearInterval(watchdog);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(
    `read ${events} events in ${batches} batches in ${seconds.toFixed(1)} s; step ${summary.step}, status ${summary.open ? 'open' : summary.status}`,
  );
  console.log(`first problems: ${problems.join(' | ')}`);
  console.log(`peak RSS ${(peak / 1024 ** 2).toFixed(0)} MiB; longest event-loop pause ${longestPause.toFixed(0)} ms`);
}

void main(process.argv[2]);

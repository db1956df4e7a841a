/**
 * A run's full RunState (the views' curves and heatmaps) from its event reader, reduced batch by batch as the
 * log streams in (each read takes at most LineTail's byte budget): never the whole log, nor all its
 * events, in memory at once. No 'vscode' import: RunStore.reduceRun calls it when a view opens a run,
 * and `npm run bench:scale` measures it as it is.
 */
import { createRunState, reduceEvents, type RunState } from '../../protocol/runModel/runState';
import type { RunEventReader } from './runSources';

/** final: the run is quiet, so a reader may flush what it holds back for a later line (Megatron). */
export async function reduceEventReader(reader: RunEventReader, final: boolean): Promise<RunState> {
  const state = createRunState();
  for (let more = true; more;) {
    const read = await reader.read(final);
    if (read.reset) Object.assign(state, createRunState());
    reduceEvents(read.events, state);
    more = read.more === true;
  }
  return state;
}

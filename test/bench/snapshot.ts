/** The snapshot message the host posts a dashboard for one completed run: what the benches size and send. */
import type { RunState } from '../../protocol/runModel/runState';
import type { HostToWebviewMessage } from '../../protocol/webviewMessages';

export const completedRunSnapshot = (id: string, state: RunState): HostToWebviewMessage => ({
  type: 'snapshot',
  mode: 'single',
  runs: [
    {
      header: {
        id,
        name: state.runName,
        balancer: state.balancer,
        status: 'completed',
        step: state.step,
        totalSteps: state.totalSteps,
      },
      state,
    },
  ],
});

/** The texts of the dashboard header, from the run header the host sends (no DOM: unit-tested under node). */
import { formatCount, formatDuration } from '../../protocol/runModel/format';
import type { RunHeader } from '../../protocol/webviewMessages';

/** "step 120 / 300"; "step 24 / ?" when the log does not say how many steps the run has (a Megatron-LM import). */
export function stepOfTotal(header: Pick<RunHeader, 'step' | 'totalSteps'>): string {
  const total = header.totalSteps > 0 ? header.totalSteps.toLocaleString('en-US') : '?';
  return `step ${header.step.toLocaleString('en-US')} / ${total}`;
}

/** "step 120 / 300 · 2,048 tokens/s · ETA 1:15", or with the reason once the run is not running. */
export function runHeaderStats(header: RunHeader): string {
  return [
    stepOfTotal(header),
    header.tokensPerSecond !== undefined && `${formatCount(header.tokensPerSecond)} tokens/s`,
    header.etaSeconds !== undefined && `ETA ${formatDuration(header.etaSeconds)}`,
    header.reason && header.status !== 'running' && header.reason,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** "loss-free+simbal · backend wasm", or "… · backend webgpu on NVIDIA GeForce RTX 4090 (nvidia, ada)". */
export function runHeaderDetails(header: RunHeader): string {
  const backend = header.backend && `backend ${header.backend}${header.adapter ? ` on ${header.adapter}` : ''}`;
  return [header.balancer, backend].filter(Boolean).join(' · ');
}

import type { RunConfig } from '../../protocol/runConfig';

/**
 * Learning rate of step `step` (1-based): linear warm-up to lr over `warmup` steps, then cosine decay
 * from lr to lr·minLrRatio, reached at the last step.
 */
export function learningRate(step: number, training: RunConfig['training']): number {
  const { lr, warmup, steps, minLrRatio } = training;
  if (step <= warmup) return (lr * step) / warmup;
  const decaySteps = steps - warmup;
  if (decaySteps <= 0) return lr;
  const progress = Math.min(1, (step - warmup) / decaySteps);
  const minLr = lr * minLrRatio;
  return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

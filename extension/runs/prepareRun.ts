/**
 * From the user's *.moe.json and a chosen balancer to the config a run is started with.
 * No 'vscode' import: unit-tested under plain node.
 */
import { basename, dirname, isAbsolute, resolve, sep } from 'node:path';
import {
  BALANCER_METHODS,
  balancerLabel,
  parseRunConfig,
  resolveRunConfig,
  type BalancerMethod,
  type RunConfig,
  type RunConfigInput,
} from '../../protocol/runConfig';

/** The balancers offered by Start Run; the same config is often run once per balancer. */
export const BALANCER_CHOICES = [
  'none',
  'aux-loss',
  'loss-free',
  'simbal',
  'loss-free+simbal',
  'loss-free+aux-loss',
] as const;

/** "loss-free+simbal" → ["loss-free", "simbal"]; throws on a name that is not a balancer. */
export function methodsOf(label: string): BalancerMethod[] {
  return label.split('+').map((part) => {
    if (!(BALANCER_METHODS as readonly string[]).includes(part)) {
      throw new Error(`unknown balancer "${part}"; expected one of ${BALANCER_METHODS.join(', ')}`);
    }
    return part as BalancerMethod;
  });
}

/** Balancer choices with the config's own first (it may be a combination not in the list). */
export function balancerChoices(configBalancer: string): string[] {
  return [configBalancer, ...BALANCER_CHOICES.filter((choice) => choice !== configBalancer)];
}

export interface PreparedRun {
  /** what to write to <run>/source.moe.json */
  source: RunConfigInput;
  /** source, resolved: what the trainer will run */
  config: RunConfig;
  balancer: string;
}

/**
 * Validates the config text, sets the balancer and makes data paths absolute (they are relative to
 * the original file, and the run's copy lives elsewhere). A config without a name is named after
 * its file. Throws RunConfigError naming the file and the JSON path of every problem.
 */
export function prepareRunSource(text: string, file: string, balancer: string): PreparedRun {
  parseRunConfig(text, file);
  // $schema is relative to the original folder; jsonValidation covers *.moe.json anyway.
  const { $schema: _schema, ...given } = JSON.parse(text) as RunConfigInput;
  const folder = dirname(file);
  const source: RunConfigInput = {
    ...given,
    name: given.name ?? basename(file).replace(/\.moe\.json$|\.json$/, ''),
    balancer: { ...given.balancer, methods: methodsOf(balancer) },
    ...(given.data?.files && { data: { ...given.data, files: given.data.files.map((f) => absoluteGlob(folder, f)) } }),
  };
  const config = resolveRunConfig(source, file);
  return { source, config, balancer: balancerLabel(config.balancer.methods) };
}

function absoluteGlob(folder: string, pattern: string): string {
  const path = isAbsolute(pattern) ? pattern : resolve(folder, pattern);
  return sep === '\\' ? path.split(sep).join('/') : path;
}

/**
 * The run loop: data, learning-rate schedule, events, evaluation, checkpoints, signals, resume.
 * The model (trainer/model/api.ts) does the tensor work.
 */
import { basename } from 'node:path';
import { processStartTime, RUN_TOKEN_ENV } from '../../nodeio/processIdentity';
import type { EndStatus } from '../../protocol/events';
import { loadStatsOf } from '../../protocol/loadStats';
import type { RunConfig } from '../../protocol/runConfig';
import type { Batch, MoeModel } from '../model/api';
import type { Tokenizer } from '../data/tokenizer';
import type { BackendChoice } from '../backend';
import { BatchSampler, evalSample, routingSnippet, type Dataset } from '../data/dataset';
import { Rng } from '../data/rng';
import { writeCheckpoint, type ResumeState } from './checkpoint';
import { EventLog } from './eventLog';
import { Progress } from './progress';
import { learningRate } from './schedule';
import { takeStopReason, type StopSignal } from './stopSignal';

export interface RunPlan {
  runDir: string;
  config: RunConfig;
  /** the config file as the user named it, for error messages */
  configFile: string;
  /** data files, expanded to absolute paths; empty = built-in corpus */
  files: string[];
  /** set when continuing from the run's checkpoint */
  resume?: { checkpointDir: string; state: ResumeState };
  /** changes made to the config for the command line (e.g. a warmup scaled to a short --steps), in words */
  notes?: string[];
}

/** What proves to a viewer that a live process is this trainer (Stop signals only a proven one). */
function identity(): { processStartTime?: string; runToken?: string } {
  const token = process.env[RUN_TOKEN_ENV];
  return {
    ...(processStartTime(process.pid) !== undefined && { processStartTime: processStartTime(process.pid) }),
    ...(token && /^[\w-]{1,128}$/.test(token) && { runToken: token }),
  };
}

export interface Versions {
  trainer: string;
  tfjs: string;
  node: string;
}

/** Whole sequences of the fixed validation sample: training.evalTokens rounded up to seqLen. */
const evalSequences = (config: RunConfig) => Math.ceil(config.training.evalTokens / config.model.seqLen);
const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
const round = (x: number, digits = 6) => Number(x.toPrecision(digits));

/** The fixed validation sample and routing snippet every eval uses. */
interface EvalInputs {
  sample: Batch;
  snippet: Int32Array;
  tokenizer: Tokenizer;
}

async function evaluate(model: MoeModel, inputs: EvalInputs, step: number, log: EventLog, progress: Progress) {
  const result = await model.evaluate(inputs.sample, inputs.snippet);
  log.emit({
    type: 'eval',
    step,
    ...result,
    maxVioGlobalMean: mean(result.maxVioGlobal),
    pesMin: Math.min(...result.pes),
    routingSample: {
      tokens: Array.from(inputs.snippet, (id) => inputs.tokenizer.tokenText(id)),
      ...result.routingSample,
    },
  });
  progress.note(
    `eval at step ${step}: val loss ${result.valLoss.toFixed(4)}, perplexity ${result.perplexity.toFixed(2)}`,
  );
}

/**
 * Trains from the plan's start (step 0 or the checkpoint, already loaded into the model) to
 * config.training.steps, or until a stop signal. Returns the process exit code: 0 for completed,
 * stopped or diverged; 1 for failed. Disposes of the model.
 */
export async function train(
  plan: RunPlan,
  data: Dataset,
  backend: BackendChoice,
  model: MoeModel,
  versions: Versions,
  stop: StopSignal,
): Promise<number> {
  const { config, runDir } = plan;
  const { training, model: shape } = config;
  const started = Date.now();
  const previousSeconds = plan.resume?.state.elapsedSeconds ?? 0;
  const elapsed = () => previousSeconds + (Date.now() - started) / 1000;
  let step = plan.resume?.state.step ?? 0;
  const log = new EventLog(runDir);
  takeStopReason(runDir); // a reason left for an earlier session's stop is not this session's
  const progress = new Progress(training.steps);
  const end = (status: EndStatus, reason: string) => {
    log.emit({ type: 'end', step, status, reason, durationSeconds: round(elapsed(), 4) });
    progress.note(`${status} at step ${step}: ${reason}`);
  };
  try {
    const rng = plan.resume ? Rng.fromState(plan.resume.state.rngState) : new Rng(training.seed);
    const sampler = new BatchSampler(data.train, training.batchSize, shape.seqLen, rng);
    const evalInputs: EvalInputs = {
      sample: evalSample(data.validation, evalSequences(config), shape.seqLen),
      snippet: routingSnippet(data.validation, shape.seqLen),
      tokenizer: data.tokenizer,
    };
    log.emit({
      type: 'start',
      step,
      runName: config.name,
      config,
      backend,
      parameters: model.parameters,
      moeLayers: model.moeLayers,
      tokenizer: { kind: data.tokenizer.kind, vocabSize: data.tokenizer.vocabSize },
      data: { sources: data.sources, trainTokens: data.train.length, validationTokens: data.validation.length },
      versions,
      pid: process.pid,
      ...identity(),
      ...(plan.resume && { resumedFrom: basename(plan.resume.checkpointDir) }),
      ...(plan.notes?.length && { notes: plan.notes }),
    });
    for (const note of plan.notes ?? []) progress.note(`note: ${note}`);
    progress.note(
      `${plan.resume ? 'resuming' : 'starting'} "${config.name}" at step ${step}/${training.steps} on ${backend.name} (${backend.reason}); ` +
        `${data.tokenizer.kind} tokenizer, vocab ${data.tokenizer.vocabSize}${data.tokenizerCache === 'hit' ? ' (cached)' : ''}, ` +
        `${data.train.length} train / ${data.validation.length} validation tokens`,
    );

    let checkpointedStep = plan.resume ? step : -1;
    const checkpoint = async () => {
      if (checkpointedStep === step) return; // e.g. a stop right after a periodic checkpoint
      checkpointedStep = step;
      const state: ResumeState = {
        version: 1,
        step,
        rngState: rng.getState(),
        dataHash: data.hash,
        elapsedSeconds: round(elapsed(), 6),
      };
      log.emit({ type: 'checkpoint', step, path: await writeCheckpoint(runDir, model, state) });
    };

    const tokensPerStep = training.batchSize * shape.seqLen;
    while (step < training.steps && !stop.requested) {
      const lr = learningRate(step + 1, training);
      const batch = sampler.next();
      const t0 = performance.now();
      const result = await model.trainStep(batch, lr);
      const seconds = (performance.now() - t0) / 1000;
      step++;
      if (!Number.isFinite(result.loss)) {
        end('diverged', `loss is ${result.loss} at step ${step}`);
        return 0;
      }
      const tokensPerSecond = tokensPerStep / seconds;
      log.emit({
        type: 'step',
        step,
        loss: result.loss,
        lmLoss: result.lmLoss,
        terms: result.terms,
        lr,
        gradNorm: result.gradNorm,
        tokensPerSecond: round(tokensPerSecond, 5),
        expertCounts: result.expertCounts,
        loadStats: loadStatsOf(result.expertCounts),
        maxVioBatch: result.maxVioBatch,
        maxVioBatchMean: mean(result.maxVioBatch),
        ...(result.bias && { bias: result.bias }),
      });
      progress.step({ step, loss: result.loss, lr, tokensPerSecond });
      if (step % training.evalEvery === 0 || step === training.steps)
        await evaluate(model, evalInputs, step, log, progress);
      if (training.checkpointEvery > 0 && step % training.checkpointEvery === 0 && step < training.steps)
        await checkpoint();
      // A step resolves through microtasks only; yield to the event loop so SIGTERM/SIGINT handlers run.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await checkpoint();
    if (step < training.steps) {
      end('stopped', stopReason(stop.requested, step, takeStopReason(runDir)));
      return 0;
    }
    if (training.finalAnalysis) {
      const analysis = await model.analyse(evalInputs.sample);
      log.emit({ type: 'analysis', step, ...analysis });
    }
    end('completed', `trained ${training.steps} steps`);
    return 0;
  } catch (error) {
    end('failed', (error as Error).message);
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    return 1;
  } finally {
    model.dispose();
    log.close();
  }
}

/** Loads a finished (or stopped) run's checkpoint and appends an `analysis` event: `--analyse DIR`. */
export async function analyseRun(plan: RunPlan, data: Dataset, model: MoeModel): Promise<void> {
  if (!plan.resume) throw new Error(`${plan.runDir}: no checkpoint to analyse`);
  const { state } = plan.resume;
  const log = new EventLog(plan.runDir);
  try {
    const analysis = await model.analyse(
      evalSample(data.validation, evalSequences(plan.config), plan.config.model.seqLen),
    );
    log.emit({ type: 'analysis', step: state.step, ...analysis });
  } finally {
    model.dispose();
    log.close();
  }
}

/**
 * Why a run stopped, in words: "stopped by you (SIGTERM) at step 106, checkpoint saved", or with the
 * signaller's reason (takeStopReason) "stopped because VS Code closed the window (SIGTERM) at …".
 */
export function stopReason(requested: string | undefined, step: number, signallerReason?: string): string {
  const bySignal = requested?.startsWith('SIG');
  const cause =
    bySignal && signallerReason
      ? `because ${signallerReason} (${requested})`
      : bySignal
        ? `by you (${requested})`
        : requested
          ? `because ${requested}`
          : '';
  return `stopped ${cause} at step ${step}, checkpoint saved`.replace('  ', ' ');
}

// What a dashboard says before its run's first step, and over an eval-only chart before its first eval.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRunState } from '../../protocol/runModel/runState';
import type { RunHeader } from '../../protocol/webviewMessages';
import { firstEvalText, waitingText } from '../../webview/dashboard/waiting';

const header = (changes: Partial<RunHeader>): RunHeader => ({
  id: 'r',
  name: 'tiny',
  balancer: 'aux-loss',
  status: 'queued',
  step: 0,
  totalSteps: 300,
  ...changes,
});
const run = (changes: Partial<RunHeader>) => ({ header: header(changes), state: createRunState() });

test('a queued run says its place in the queue; never broken text', () => {
  assert.match(
    waitingText(run({ queuePosition: 2 })),
    /^Queued: position 2\. The run starts when a training slot is free/,
  );
  assert.match(waitingText(run({ queuePosition: 1 })), /^Queued: position 1, next to start\./);
  assert.match(waitingText(run({})), /^Queued\. /);
  assert.match(waitingText(run({ status: 'running' })), /^Starting the trainer/);
  assert.equal(
    waitingText(run({ status: 'failed', reason: 'out of memory' })),
    'The run ended (failed) before its first step: out of memory',
  );
});

test('an eval-only chart before its first eval names the step it comes at', () => {
  assert.equal(firstEvalText({ evalEvery: 50, step: 12 }), 'No evaluation yet: the first is at step 50.');
  assert.equal(firstEvalText({ evalEvery: 50, step: 0 }), 'No evaluation yet: the first is at step 50.');
  assert.equal(firstEvalText({ evalEvery: 0, step: 0 }), 'No evaluation yet.');
});

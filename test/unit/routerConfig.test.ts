/** The router's config settings: gate normalisation by score function, refusals, defaults that depend on the combination. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gatesNormalised, resolveRunConfig, RunConfigError } from '../../protocol/runConfig';

const problemsOf = (input: unknown) => {
  try {
    resolveRunConfig(input, 'run.moe.json');
  } catch (error) {
    assert.ok(error instanceof RunConfigError);
    return error.message;
  }
  return '';
};

test('gate normalisation: auto is off for softmax (Switch, OLMoE) and on for sigmoid (DeepSeek-V3); on/off as given', () => {
  assert.equal(gatesNormalised(resolveRunConfig({})), false);
  assert.equal(gatesNormalised(resolveRunConfig({ model: { gate: 'sigmoid' } })), true);
  assert.equal(gatesNormalised(resolveRunConfig({ router: { normaliseGates: 'on' } })), true);
  assert.equal(
    gatesNormalised(resolveRunConfig({ model: { gate: 'sigmoid' }, router: { normaliseGates: 'off' } })),
    false,
  );
});

test('topK 1 with normalised gates is refused: the gate would always be 1 and the router get no LM gradient', () => {
  assert.equal(problemsOf({ model: { topK: 1 } }), '', 'softmax top-1 with raw gates (Switch) is fine');
  const message = problemsOf({ model: { topK: 1, gate: 'sigmoid' } });
  assert.match(
    message,
    /^run\.moe\.json: \$\.router\.normaliseGates: with model\.topK 1 normalised gates are always 1/,
  );
  assert.match(message, /expected "off" \(the sigmoid default is "on"\), or topK ≥ 2/);
  assert.match(problemsOf({ model: { topK: 1 }, router: { normaliseGates: 'on' } }), /\$\.router\.normaliseGates/);
});

test('router init and weight decay are settings of the router, the same whatever the balancer', () => {
  const plain = resolveRunConfig({ balancer: { methods: ['simbal'] } });
  assert.deepEqual(plain.router, { normaliseGates: 'auto', init: 'normal', initStd: 0.02, weightDecay: 0.01 });
  assert.match(problemsOf({ router: { init: 'xavier' } }), /\$\.router\.init: expected one of "normal", "orthogonal"/);
  assert.match(
    problemsOf({ balancer: { orthogonalInit: true } }),
    /\$\.balancer\.orthogonalInit: moved to router\.init/,
  );
  assert.match(
    problemsOf({ training: { evalSequences: 16 } }),
    /\$\.training\.evalSequences: moved to training\.evalTokens/,
  );
});

test('defaults that docs/balancers.md gives: aux alpha 1e-4 with loss-free unless given, z-loss off, eval on 32,768 tokens', () => {
  assert.equal(resolveRunConfig({ balancer: { methods: ['aux-loss'] } }).balancer.auxAlpha, 0.01);
  assert.equal(resolveRunConfig({ balancer: { methods: ['loss-free', 'aux-loss'] } }).balancer.auxAlpha, 1e-4);
  assert.equal(resolveRunConfig({ balancer: { methods: ['loss-free', 'global-aux-loss'] } }).balancer.auxAlpha, 1e-4);
  assert.equal(
    resolveRunConfig({ balancer: { methods: ['loss-free', 'aux-loss'], auxAlpha: 0.001 } }).balancer.auxAlpha,
    0.001,
  );
  const defaults = resolveRunConfig({});
  assert.equal(defaults.balancer.zLossBeta, 0);
  assert.equal(defaults.balancer.seqAuxAlpha, 1e-4);
  assert.equal(defaults.balancer.biasUpdate, 'sign');
  assert.equal(defaults.training.evalTokens, 32_768);
  assert.equal(defaults.model.sharedExperts, 0);
  assert.match(
    problemsOf({ balancer: { methods: ['aux-loss', 'global-aux-loss'] } }),
    /\$\.balancer\.methods: expected aux-loss or global-aux-loss, not both/,
  );
});

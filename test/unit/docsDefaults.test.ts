/**
 * docs/balancers.md states defaults; each statement here is rebuilt from the code's value (the resolved
 * run config, the trainer's constants), so changing a default in the code without the docs (or the
 * docs without the code) fails. Every config field the page names in backticks must be either checked
 * here or listed as named without a default.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { RUN_CONFIG_SPEC, resolveRunConfig } from '../../protocol/runConfig';
import { ANALYSIS_TOKENS, DYNAMIC_K_THRESHOLDS, PES_TOKENS } from '../../trainer/model/moeModel';

const DOC = 'docs/balancers.md';
/** the page with its line breaks as spaces (a statement may wrap) */
const doc = readFileSync(DOC, 'utf8').replace(/\s+/g, ' ');

/** A number as the page writes it: 1e-4, 0.001, 32,768. */
const written = (n: number) =>
  n !== 0 && Math.abs(n) < 1e-3 ? n.toExponential() : Math.abs(n) >= 1000 ? n.toLocaleString('en-US') : String(n);

const defaults = resolveRunConfig({});
const withLossFree = resolveRunConfig({ balancer: { methods: ['loss-free', 'aux-loss'] } });

/** [config field, the phrase the page must hold, built from the code's value] */
const STATEMENTS: [string, string][] = [
  ['router.normaliseGates', `\`router.normaliseGates\` (default \`${defaults.router.normaliseGates}\``],
  ['router.init', `\`router.init\` \`${defaults.router.init}\``],
  ['router.initStd', `std \`router.initStd\`, ${written(defaults.router.initStd)})`],
  ['router.weightDecay', `\`router.weightDecay\` (${written(defaults.router.weightDecay)})`],
  ['balancer.auxAlpha', `\`auxAlpha\` ${written(defaults.balancer.auxAlpha)} (Switch/OLMoE`],
  [
    'balancer.auxAlpha with loss-free',
    `\`auxAlpha\` defaults to ${written(withLossFree.balancer.auxAlpha)} in this combination`,
  ],
  ['balancer.globalWindow', `\`globalWindow\` ${written(defaults.balancer.globalWindow)}`],
  ['balancer.seqAuxAlpha', `\`seqAuxAlpha\` ${written(defaults.balancer.seqAuxAlpha)}`],
  ['balancer.biasUpdateRate', `\`biasUpdateRate\` u = ${written(defaults.balancer.biasUpdateRate)}`],
  ['balancer.biasUpdate', `| \`${defaults.balancer.biasUpdate}\` (Algorithm 1) |`],
  ['balancer.simbalLambda', `\`simbalLambda\` ${written(defaults.balancer.simbalLambda)}`],
  ['balancer.zLossBeta', `\`zLossBeta\` ${written(defaults.balancer.zLossBeta)} = off`],
  ['training.evalTokens', `\`training.evalTokens\` = ${written(defaults.training.evalTokens)} tokens`],
  ['PES tokens', `(${PES_TOKENS} of the first eval chunk)`],
  ['Dynamic-K thresholds', `below τ (${DYNAMIC_K_THRESHOLDS.join(', ')})`],
  ['final analysis tokens', `the first ${written(ANALYSIS_TOKENS)} tokens of the validation sample`],
];

/** Config fields the page names without stating a default. */
const NAMED_WITHOUT_DEFAULT = new Set(['model.gate', 'model.sharedExperts', 'model.expertHidden']);

test(`${DOC} states every default as the code has it`, () => {
  const missing = STATEMENTS.filter(([, phrase]) => !doc.includes(phrase));
  assert.deepEqual(
    missing.map(([field, phrase]) => `${field}: "${phrase}"`),
    [],
    `${DOC} does not say these (the code's defaults); fix the page or the code`,
  );
});

test(`every config field ${DOC} names is checked or named without a default`, () => {
  const fields = new Map<string, string>();
  for (const [section, { fields: sectionFields }] of Object.entries(RUN_CONFIG_SPEC))
    for (const field of Object.keys(sectionFields)) {
      fields.set(`${section}.${field}`, `${section}.${field}`);
      fields.set(field, `${section}.${field}`);
    }
  const checked = new Set(STATEMENTS.map(([field]) => field));
  const named = [...doc.matchAll(/`([A-Za-z][A-Za-z.]*)`/g)].flatMap(([, name]) => {
    const path = fields.get(name);
    return path ? [path] : [];
  });
  assert.ok(named.length > 10, `found only ${named.length} config fields in ${DOC}`);
  const unchecked = [...new Set(named)].filter((path) => !checked.has(path) && !NAMED_WITHOUT_DEFAULT.has(path));
  assert.deepEqual(unchecked, [], `${DOC} names these config fields: check their default here or list them`);
});

test('the loss-free + aux-loss alpha applies only when auxAlpha is not given', () => {
  assert.equal(
    resolveRunConfig({ balancer: { methods: ['loss-free', 'aux-loss'], auxAlpha: 0.02 } }).balancer.auxAlpha,
    0.02,
  );
  assert.notEqual(withLossFree.balancer.auxAlpha, defaults.balancer.auxAlpha);
});

test('docs/events.md states the eval sample default as the code has it', () => {
  const events = readFileSync('docs/events.md', 'utf8').replace(/\s+/g, ' ');
  const phrase = `\`training.evalTokens\` rounded up to whole sequences: ${written(defaults.training.evalTokens)} by default`;
  assert.ok(events.includes(phrase), `docs/events.md does not say "${phrase}"`);
});

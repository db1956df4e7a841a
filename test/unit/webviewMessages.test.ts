import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dashboardTitle, parseDashboardTitle } from '../../extension/webviews/titles';
import { parseDashboardViewState, parseWebviewMessage, WebviewMessageError } from '../../protocol/webviewMessages';

test('valid webview messages are accepted as typed messages', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseWebviewMessage({ type: 'stop', runId: 'tiny-loss-free-3', extra: 1 }), { type: 'stop', runId: 'tiny-loss-free-3' });
  assert.deepEqual(parseWebviewMessage({ type: 'openDashboard', runId: 'run 2' }), { type: 'openDashboard', runId: 'run 2' });
});

test('invalid webview messages are refused with what is wrong', () => {
  assert.throws(() => parseWebviewMessage('stop'), /expected an object/);
  assert.throws(() => parseWebviewMessage({ type: 'exec', command: 'rm' }), /type: expected "ready", "stop" or "openDashboard", got "exec"/);
  assert.throws(() => parseWebviewMessage({ type: 'stop' }), /stop\.runId: expected a run folder name, got undefined/);
  assert.throws(() => parseWebviewMessage({ type: 'stop', runId: '../../etc' }), WebviewMessageError);
  assert.throws(() => parseWebviewMessage({ type: 'openDashboard', runId: '..' }), WebviewMessageError);
  assert.throws(() => parseWebviewMessage({ type: 'stop', runId: 42 }), /got 42/);
});

test('saved dashboard state is checked before a reload restores it', () => {
  assert.deepEqual(parseDashboardViewState({ runIds: ['a', 'b'], mode: 'compare', scrollY: 120, layer: 1, loadStep: -3 }), {
    runIds: ['a', 'b'], mode: 'compare', scrollY: 120, layer: 1, loadStep: undefined,
  });
  assert.equal(parseDashboardViewState({ runIds: [] }), undefined);
  assert.equal(parseDashboardViewState({ runIds: ['a/b'] }), undefined);
  assert.equal(parseDashboardViewState(undefined), undefined);
});

test('dashboard titles name their runs well enough to find them after a reload', () => {
  assert.equal(dashboardTitle(['tiny'], 'single'), 'MoE Lens: tiny');
  assert.equal(dashboardTitle(['a', 'b'], 'compare'), 'Compare: a, b');
  assert.deepEqual(parseDashboardTitle('MoE Lens: tiny'), { mode: 'single', names: ['tiny'] });
  assert.deepEqual(parseDashboardTitle('Compare: a, b'), { mode: 'compare', names: ['a', 'b'] });
  assert.equal(parseDashboardTitle('Settings'), undefined);
  assert.equal(parseDashboardTitle('MoE Lens: '), undefined);
});

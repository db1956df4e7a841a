import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runStamp, runStart, shortRunId } from '../../protocol/runLabels';
import { dashboardTitle, parseDashboardTitle } from '../../extension/webviews/titles';
import { parseDashboardViewState, parseWebviewMessage, WebviewMessageError } from '../../protocol/webviewMessages';

test('valid webview messages are accepted as typed messages', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseWebviewMessage({ type: 'stop', runId: 'tiny-loss-free-3', extra: 1 }), {
    type: 'stop',
    runId: 'tiny-loss-free-3',
  });
  assert.deepEqual(parseWebviewMessage({ type: 'openDashboard', runId: 'run 2' }), {
    type: 'openDashboard',
    runId: 'run 2',
  });
  assert.deepEqual(parseWebviewMessage({ type: 'resume', runId: 'tiny-1' }), { type: 'resume', runId: 'tiny-1' });
});

test('invalid webview messages are refused with what is wrong', () => {
  assert.throws(() => parseWebviewMessage('stop'), /expected an object/);
  assert.throws(
    () => parseWebviewMessage({ type: 'exec', command: 'rm' }),
    /type: expected "ready", "stop", "resume", "openDashboard" or "exportFile", got "exec"/,
  );
  assert.throws(() => parseWebviewMessage({ type: 'stop' }), /stop\.runId: expected a run folder name, got undefined/);
  assert.throws(() => parseWebviewMessage({ type: 'stop', runId: '../../etc' }), WebviewMessageError);
  assert.throws(() => parseWebviewMessage({ type: 'openDashboard', runId: '..' }), WebviewMessageError);
  assert.throws(() => parseWebviewMessage({ type: 'stop', runId: 42 }), /got 42/);
});

test('saved dashboard state is checked before a reload restores it', () => {
  assert.deepEqual(
    parseDashboardViewState({ runIds: ['a', 'b'], mode: 'compare', scrollY: 120, layer: 1, loadStep: -3 }),
    {
      runIds: ['a', 'b'],
      mode: 'compare',
      scrollY: 120,
      layer: 1,
      loadStep: undefined,
    },
  );
  assert.equal(parseDashboardViewState({ runIds: [] }), undefined);
  assert.equal(parseDashboardViewState({ runIds: ['a/b'] }), undefined);
  assert.equal(parseDashboardViewState(undefined), undefined);
});

test('dashboard titles tell runs of one config apart and find them again after a reload', () => {
  const a = { id: 'tiny-loss-free-20261123-180509', name: 'tiny' };
  const b = { id: 'tiny-loss-free-20261123-180509-2', name: 'tiny' };
  const now = new Date(2026, 10, 23, 20, 0, 0);
  assert.equal(runStamp(a, now), `18:05:09 ${shortRunId(a.id)}`);
  assert.equal(runStamp(a, new Date(2026, 10, 24)), `Nov 23 18:05 ${shortRunId(a.id)}`);
  assert.notEqual(shortRunId(a.id), shortRunId(b.id));
  assert.match(shortRunId(a.id), /^#[0-9a-f]{4}$/);
  const single = dashboardTitle([a], 'single');
  assert.match(single, /^MoE Lens: tiny .+ #[0-9a-f]{4}$/);
  assert.deepEqual(parseDashboardTitle(single), { mode: 'single', shortIds: [shortRunId(a.id)] });
  const compare = dashboardTitle([a, b], 'compare');
  assert.equal(compare, `Compare: tiny ${shortRunId(a.id)}, tiny ${shortRunId(b.id)}`);
  assert.deepEqual(parseDashboardTitle(compare), { mode: 'compare', shortIds: [shortRunId(a.id), shortRunId(b.id)] });
  assert.equal(parseDashboardTitle('Settings'), undefined);
  assert.equal(parseDashboardTitle('MoE Lens: tiny'), undefined);
});

test('a run started outside VS Code (no time in its folder name) is dated by its log', () => {
  assert.equal(
    runStart({ id: 'my-run', startedAt: '2026-11-23T18:05:09.000Z' })?.toISOString(),
    '2026-11-23T18:05:09.000Z',
  );
  assert.equal(runStart({ id: 'my-run' }), undefined);
  assert.equal(runStamp({ id: 'my-run' }), shortRunId('my-run'));
});

test('an export from a webview is checked: kind, a plain file name, a PNG data URL or bounded text', () => {
  const png = 'data:image/png;base64,iVBORw0KGgo=';
  assert.deepEqual(parseWebviewMessage({ type: 'exportFile', kind: 'png', fileName: 'loss.png', data: png }), {
    type: 'exportFile',
    kind: 'png',
    fileName: 'loss.png',
    data: png,
  });
  assert.equal(
    (
      parseWebviewMessage({ type: 'exportFile', kind: 'csv', fileName: 'loss.csv', data: 'step,y\n1,2\n' }) as {
        data: string;
      }
    ).data,
    'step,y\n1,2\n',
  );
  assert.throws(
    () => parseWebviewMessage({ type: 'exportFile', kind: 'exe', fileName: 'a.exe', data: '' }),
    /exportFile\.kind/,
  );
  assert.throws(
    () => parseWebviewMessage({ type: 'exportFile', kind: 'csv', fileName: '../a.csv', data: '' }),
    /exportFile\.fileName/,
  );
  assert.throws(
    () => parseWebviewMessage({ type: 'exportFile', kind: 'csv', fileName: 'a.png', data: '' }),
    /exportFile\.fileName/,
  );
  assert.throws(
    () => parseWebviewMessage({ type: 'exportFile', kind: 'png', fileName: 'a.png', data: '<svg/>' }),
    /data:image\/png/,
  );
  assert.throws(
    () => parseWebviewMessage({ type: 'exportFile', kind: 'csv', fileName: 'a.csv', data: 7 }),
    /exportFile\.data/,
  );
});

// The host side of the webviews without VS Code: a registry over a log recorded from the real trainer,
// and a stand-in webview that records what is posted. Checks the handshake, the coalescing of live
// events (one append per 100 ms), silence while hidden, snapshots on becoming visible, and that
// messages from the webview are validated.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type * as vscode from 'vscode';
import { parseEventLine, type TrainerEvent } from '../../protocol/events';
import type { HostToWebviewMessage } from '../../protocol/webviewMessages';
import { APPEND_INTERVAL_MS, WebviewConnection } from '../../extension/webviews/connection';
import { RunFeed } from '../../extension/webviews/runFeed';
import type { RunEventsAppended, RunInfo, RunRegistry } from '../../extension/runs/types';
import { reduceEvents } from '../../protocol/runModel/runState';

const EVENTS = readFileSync('test/fixtures/webview/loss-free-simbal.events.jsonl', 'utf8')
  .split('\n')
  .map(parseEventLine)
  .filter((e): e is TrainerEvent => e !== undefined);

function emitter<T>() {
  const listeners = new Set<(value: T) => void>();
  const event: vscode.Event<T> = (listener) => {
    listeners.add(listener);
    return { dispose: () => listeners.delete(listener) };
  };
  return { event, fire: (value: T) => listeners.forEach((l) => l(value)) };
}

/** A registry of one run whose log holds the first `written` events; `append` writes more. */
function registry(written: number) {
  const changed = emitter<void>();
  const appended = emitter<RunEventsAppended>();
  const selected = emitter<string | undefined>();
  const info: RunInfo = {
    id: 'r1',
    folder: {} as vscode.Uri,
    name: 'recorded',
    balancer: 'loss-free+simbal',
    status: 'running',
    step: 0,
    totalSteps: 40,
  };
  const runs: RunRegistry = {
    onDidChangeRuns: changed.event,
    onDidAppendEvents: appended.event,
    onDidChangeSelectedRun: selected.event,
    selectedRunId: 'r1',
    list: () => [info],
    get: (id) => (id === 'r1' ? info : undefined),
    reduceRun: async () => reduceEvents(EVENTS.slice(0, written)),
    stop: async () => {},
  };
  const append = (events: TrainerEvent[]) => {
    written += events.length;
    appended.fire({ runId: 'r1', events });
  };
  return { runs, info, changed, append };
}

function webview() {
  const received = emitter<unknown>();
  const visibility = emitter<void>();
  const posted: HostToWebviewMessage[] = [];
  const view = {
    onDidReceiveMessage: received.event,
    postMessage: async (m: HostToWebviewMessage) => void posted.push(structuredClone(m)),
  };
  return { view: view as unknown as vscode.Webview, posted, fromWebview: received.fire, visibility };
}

const settle = (ms = APPEND_INTERVAL_MS + 30) => new Promise((r) => setTimeout(r, ms));

/** A connection of a stand-in webview to run r1; returns what the host logged and acted on. */
function connect(
  reg: ReturnType<typeof registry>,
  web: ReturnType<typeof webview>,
  options: { visible?: () => boolean; mode?: 'single' | 'routing' } = {},
) {
  const logged: string[] = [];
  const acted: unknown[] = [];
  const feed = new RunFeed(reg.runs);
  const connection = new WebviewConnection({
    webview: web.view,
    runs: reg.runs,
    feed,
    mode: options.mode ?? 'single',
    runIds: ['r1'],
    isVisible: options.visible ?? (() => true),
    onDidChangeVisibility: web.visibility.event,
    onMessage: (m) => acted.push(m),
    log: (m) => logged.push(m),
  });
  const dispose = () => {
    connection.dispose();
    feed.dispose();
  };
  return { feed, logged, acted, dispose };
}

test('ready gets a snapshot of the reduced log; live events arrive coalesced, one append per interval', async () => {
  const reg = registry(10);
  const web = webview();
  const { feed, logged, dispose } = connect(reg, web);
  web.fromWebview({ type: 'ready' });
  await settle(10);
  assert.equal(web.posted.length, 1);
  const snapshot = web.posted[0];
  assert.ok(snapshot.type === 'snapshot');
  assert.deepEqual(snapshot.runs[0].state, reduceEvents(EVENTS.slice(0, 10)));
  assert.equal(snapshot.runs[0].header.name, 'recorded');

  for (const event of EVENTS.slice(10, 20)) reg.append([event]); // ten lines, as a trainer writes them
  await settle();
  const appends = web.posted.filter((m) => m.type === 'append');
  assert.equal(appends.length, 1, 'ten events in one interval make one message');
  assert.deepEqual(appends[0].type === 'append' && appends[0].events, EVENTS.slice(10, 20));
  // the host's own reduced state followed the appends
  const again = await feed.snapshot('r1');
  assert.equal(again?.state.step, reduceEvents(EVENTS.slice(0, 20)).step);
  dispose();
  assert.deepEqual(logged, []);
});

test('nothing is posted while hidden; becoming visible brings a fresh snapshot', async () => {
  const reg = registry(10);
  const web = webview();
  let visible = true;
  const { dispose } = connect(reg, web, { visible: () => visible, mode: 'routing' });
  web.fromWebview({ type: 'ready' });
  await settle(10);
  visible = false;
  web.visibility.fire();
  reg.append(EVENTS.slice(10, 30));
  await settle();
  assert.deepEqual(
    web.posted.map((m) => m.type),
    ['snapshot'],
  );
  visible = true;
  web.visibility.fire();
  await settle(10);
  assert.deepEqual(
    web.posted.map((m) => m.type),
    ['snapshot', 'snapshot'],
  );
  const last = web.posted[1];
  assert.equal(last.type === 'snapshot' && last.runs[0].state.step, reduceEvents(EVENTS.slice(0, 30)).step);
  dispose();
});

test('a header update follows a change of the run info', async () => {
  const reg = registry(10);
  const web = webview();
  const { dispose } = connect(reg, web);
  web.fromWebview({ type: 'ready' });
  await settle(10);
  reg.info.status = 'stopped';
  reg.info.reason = 'SIGTERM';
  reg.changed.fire();
  await settle();
  const headers = web.posted.filter((m) => m.type === 'header');
  assert.equal(headers.length, 1);
  assert.equal(headers[0].type === 'header' && headers[0].header.status, 'stopped');
  dispose();
});

test('messages from the webview are validated and must be about a shown run', () => {
  const reg = registry(10);
  const web = webview();
  const { logged, acted, dispose } = connect(reg, web);
  web.fromWebview({ type: 'exec', command: 'rm -rf /' });
  web.fromWebview({ type: 'stop', runId: 'other-run' });
  web.fromWebview({ type: 'stop', runId: 'r1' });
  assert.deepEqual(acted, [{ type: 'stop', runId: 'r1' }]);
  assert.equal(logged.length, 2);
  assert.match(logged[0], /type: expected "ready", "stop", "resume", "openDashboard" or "exportFile", got "exec"/);
  assert.match(logged[1], /stop run "other-run", which it does not show/);
  dispose();
});

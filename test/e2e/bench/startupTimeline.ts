/**
 * Where a dashboard's start-up time goes, read after the fact from a real VS Code: the webview's
 * performance timeline (its document's start, the bundle's fetch, the `moeLens:*` marks of
 * webview/shared/startupMarks.ts) and the host's snapshot lines in the "MoE Lens Webviews" log.
 * Every time is on the epoch clock, so it lines up with the bench's own Date.now().
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';

export interface WebviewTimeline {
  /** the webview document started loading */
  documentStart: number;
  /** dashboard.js requested and received */
  bundleFetchStart?: number;
  bundleFetchEnd?: number;
  /** moeLens:script, ready, snapshot, drawn, firstLoss */
  marks: Record<string, number>;
  /** the frame's own navigation (VS Code loads an empty fake.html, then writes the page into it): ms after the document start */
  navigation?: { responseEnd: number; domContentLoaded: number };
  /** every resource the document loaded: name, ms after the document start it was requested, took, bytes */
  resources: { name: string; requestedAfter: number; tookMs: number; bytes: number }[];
}

export async function webviewTimeline(frame: Frame): Promise<WebviewTimeline> {
  return frame.evaluate(() => {
    const origin = performance.timeOrigin;
    const marks: Record<string, number> = {};
    for (const mark of performance.getEntriesByType('mark'))
      if (mark.name.startsWith('moeLens:')) marks[mark.name.slice('moeLens:'.length)] = origin + mark.startTime;
    const bundle = performance.getEntriesByType('resource').find((entry) => /dashboard\.js(\?|$)/.test(entry.name)) as
      PerformanceResourceTiming | undefined;
    const resources = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((entry) => ({
      name: entry.name.slice(-60),
      requestedAfter: Math.round(entry.startTime),
      tookMs: Math.round(entry.responseEnd - entry.startTime),
      bytes: entry.encodedBodySize,
    }));
    const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    return {
      navigation: navigation && {
        responseEnd: Math.round(navigation.responseEnd),
        domContentLoaded: Math.round(navigation.domContentLoadedEventEnd),
      },
      resources,
      documentStart: origin,
      bundleFetchStart: bundle && origin + bundle.startTime,
      bundleFetchEnd: bundle && origin + bundle.responseEnd,
      marks,
    };
  });
}

export interface HostSnapshotLine {
  /** ms the host took to have the runs' states (read and reduce the log, or the cached state) */
  statesMs: number;
  /** when the snapshot was posted */
  postedAt: number;
}

function findFile(dir: string, name: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    } else if (entry.endsWith(name)) return path;
  }
  return undefined;
}

const hostLog = (userDataDir: string) => {
  const file = findFile(join(userDataDir, 'logs'), 'MoE Lens Webviews.log');
  return file ? readFileSync(file, 'utf8') : '';
};

/** The host's snapshot lines so far, oldest first (the output channel's log file under the user data dir). */
export function hostSnapshotLines(userDataDir: string): HostSnapshotLine[] {
  return [...hostLog(userDataDir).matchAll(/states ready in (\d+) ms, posted at (\S+)/g)].map((match) => ({
    statesMs: Number(match[1]),
    postedAt: Date.parse(match[2]),
  }));
}

/** When the host was asked for a dashboard (the Open Dashboard command reached the extension), oldest first. */
export function hostDashboardRequests(userDataDir: string): number[] {
  return [...hostLog(userDataDir).matchAll(/\) asked for at (\S+)/g)].map((match) => Date.parse(match[1]));
}

/**
 * The JS heap of code-server's extension host, read from outside through V8's inspector: SIGUSR1 makes a
 * Node process open its inspector (127.0.0.1:9229), and Runtime.getHeapUsage / HeapProfiler.collectGarbage
 * answer over the DevTools protocol. Nothing in the extension changes for it. Needs WebSocket (Node 20:
 * --experimental-websocket; scripts/bench-scale.mjs passes it).
 */
import { readFileSync } from 'node:fs';

const INSPECTOR_PORT = 9229;

/** The extension host among `pids` (its command line names it), or undefined. */
export function extensionHostPid(pids: number[]): number | undefined {
  return pids.find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('extensionHost');
    } catch {
      return false;
    }
  });
}

export interface HeapInspector {
  /** MB of JS heap in use now */
  usedMB(): Promise<number>;
  /** a full GC, then the MB in use */
  usedAfterGcMB(): Promise<number>;
  close(): void;
}

async function inspectorUrl(pid: number): Promise<string> {
  process.kill(pid, 'SIGUSR1');
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const targets = (await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json/list`)).json()) as {
        webSocketDebuggerUrl: string;
      }[];
      if (targets[0]) return targets[0].webSocketDebuggerUrl;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`no inspector on port ${INSPECTOR_PORT} after SIGUSR1 to ${pid}: ${String(error)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function inspectHeap(pid: number): Promise<HeapInspector> {
  const socket = new WebSocket(await inspectorUrl(pid));
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error(`could not connect to the inspector of ${pid}`));
  });
  let id = 0;
  const pending = new Map<number, (result: Record<string, number>) => void>();
  socket.onmessage = (message) => {
    const reply = JSON.parse(String(message.data)) as { id?: number; result?: Record<string, number> };
    if (reply.id !== undefined) pending.get(reply.id)?.(reply.result ?? {});
  };
  const call = (method: string) =>
    new Promise<Record<string, number>>((resolve) => {
      pending.set(++id, resolve);
      socket.send(JSON.stringify({ id, method }));
    });
  const usedMB = async () => (await call('Runtime.getHeapUsage')).usedSize / 2 ** 20;
  return {
    usedMB,
    usedAfterGcMB: async () => {
      await call('HeapProfiler.collectGarbage');
      return usedMB();
    },
    close: () => socket.close(),
  };
}

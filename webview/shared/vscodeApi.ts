/** The webview side of the host connection: typed postMessage, webview state, incoming messages. */
import type { HostToWebviewMessage, WebviewToHostMessage } from '../../protocol/webviewMessages';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export const host = {
  post: (message: WebviewToHostMessage) => api.postMessage(message),
  getState: <T>() => api.getState() as T | undefined,
  setState: <T>(state: T) => api.setState(state),
  /** Listens for host messages; the webview posts `ready` after this, so no snapshot is missed. */
  listen(handler: (message: HostToWebviewMessage) => void): void {
    window.addEventListener('message', (event: MessageEvent) => {
      const message = event.data as HostToWebviewMessage | undefined;
      if (message && typeof message === 'object' && typeof message.type === 'string') handler(message);
    });
    api.postMessage({ type: 'ready' } satisfies WebviewToHostMessage);
  },
};

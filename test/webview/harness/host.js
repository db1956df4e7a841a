// Stands in for VS Code's webview host in the Chromium tests: acquireVsCodeApi records what the
// webview posts and keeps its state; the body gets VS Code's theme class; CSP violations are collected.
(() => {
  const params = new URLSearchParams(location.search);
  document.body.className = params.get('theme') || 'vscode-dark';
  window.__posted = [];
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
  });
  let state = window.__initialState;
  window.acquireVsCodeApi = () => ({
    postMessage: (message) => window.__posted.push(JSON.parse(JSON.stringify(message))),
    getState: () => state,
    setState: (s) => {
      state = s;
      window.__state = s;
    },
  });
})();

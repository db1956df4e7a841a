/**
 * End-to-end harness: a real VS Code (code-server, scripts/code-server.mjs) with MoE Lens installed,
 * driven like a user through Debian's Chromium (playwright-core).
 * Every wait polls with a generous deadline; nothing sleeps for a fixed time to "let things settle".
 */
export * from './fileDialog';
export * from './session';
export * from './wait';
export * from './webview';
export * from './workbench';
export * from './workspace';

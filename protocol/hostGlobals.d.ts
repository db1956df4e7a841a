// What protocol/ may use of the runtimes it runs in (Node for the trainer and the extension host, the
// browser for the webviews): only what both provide. protocol/'s tsconfig has neither Node nor DOM types.
declare function structuredClone<T>(value: T): T;

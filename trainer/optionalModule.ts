/**
 * Optional npm packages the trainer never bundles (native tfjs backends, Dawn): required at run time
 * from the usual places, then from $MOE_LENS_NATIVE_MODULES, where the extension's "Install GPU
 * Backend" command installs them.
 */
import { createRequire } from 'node:module';

export type OptionalModule = { module: unknown; failure?: undefined } | { module?: undefined; failure: string };

/** Requires `pkg`; on failure says why: "not installed" or "installed but failed to load: <first line>". */
export function requireOptional(pkg: string): OptionalModule {
  const load = createRequire(__filename);
  const searchPaths = [undefined, process.env.MOE_LENS_NATIVE_MODULES].filter((p, i) => i === 0 || p);
  let failure = 'not installed';
  for (const path of searchPaths) {
    let resolved: string;
    try {
      resolved = path ? load.resolve(pkg, { paths: [path] }) : load.resolve(pkg);
    } catch {
      continue;
    }
    try {
      return { module: load(resolved) };
    } catch (error) {
      failure = `installed but failed to load: ${(error as Error).message.split('\n')[0]}`;
    }
  }
  return { failure };
}

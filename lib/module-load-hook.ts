/**
 * One hook on node's CommonJS loader for every patch egg-sentinel makes to modules as they load (cluster-client's
 * leader and follower, koa-compose): each patcher sees every .js file once its module has run, and may replace its
 * exports. The patchers live on the hook itself under a registered symbol, so a second copy of egg-sentinel in the
 * process (the audit command's beside an app's own) adds its own instead of hooking twice or finding none.
 */
import Module from 'node:module';

export type LoadedModulePatcher = (file: string, module: NodeModule) => void;

type LoadJs = ((module: NodeModule, filename: string) => void) & { [PATCHERS]?: Set<LoadedModulePatcher> };

const PATCHERS = Symbol.for('egg-sentinel.load-hook.patchers');

/** Calls `patcher` for each loaded module in require's cache now, and for every .js file loaded from now on (patchers are idempotent). */
export function patchModulesAsLoaded(patcher: LoadedModulePatcher): void {
  const extensions = (Module as unknown as { _extensions: Record<string, LoadJs> })._extensions;
  let patchers = extensions['.js'][PATCHERS];
  if (!patchers) {
    const loadJs = extensions['.js'];
    const installed: Set<LoadedModulePatcher> = patchers = new Set();
    extensions['.js'] = Object.assign(function(this: unknown, module: NodeModule, filename: string) {
      loadJs.call(this, module, filename);
      for (const patch of installed) patch(filename, module);
    }, { [PATCHERS]: installed });
  }
  patchers.add(patcher);
  // Every call looks through the cache again: a loader registered since (ts-node, an ESM hook) may have bypassed the hook.
  for (const [ file, module ] of Object.entries(require.cache)) {
    if (module?.loaded) patcher(file, module);
  }
}

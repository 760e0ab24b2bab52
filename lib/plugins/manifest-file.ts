/** The plugin manifest `egg-sentinel pin` writes in the app root (its own module: the agent's boot needs only the name). */
export const MANIFEST_FILE = 'sentinel.lock.json';

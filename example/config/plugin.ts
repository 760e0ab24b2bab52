import path from 'node:path';
import type { EggPlugin } from 'egg';

const plugin: EggPlugin = {
  // The plugin from this repository (compiled in place by `npm run build`), as an app would get it from node_modules.
  sentinel: { enable: true, path: path.join(__dirname, '../..') },
};

export default plugin;

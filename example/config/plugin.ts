import path from 'node:path';
import type { EggPlugin } from 'egg';

const plugin: EggPlugin = {
  // The plugin from this repository (compiled in place by `npm run build`), as an app would get it from node_modules.
  sentinel: { enable: true, path: path.join(__dirname, '../..') },
  // `npm run demo` only (its IPC scene): an attacker inside a worker. Never enable this in a real app.
  demoAttacker: { enable: process.env.SENTINEL_DEMO_ATTACKER === '1', path: path.join(__dirname, '../lib/plugin/demo-attacker') },
  // `npm run demo` only (its plugins scene): the package it installs in example/node_modules for the scene.
  ...(process.env.SENTINEL_DEMO_PLUGIN ? { demoPlugin: { enable: true, package: process.env.SENTINEL_DEMO_PLUGIN } } : {}),
};

export default plugin;

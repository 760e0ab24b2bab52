'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  // The team pins its third-party plugin with `npx egg-sentinel pin` (sentinel.lock.json); egg's own plugins come
  // with egg and are not listed.
  sentinel: { plugins: { requireManifest: false } },
};

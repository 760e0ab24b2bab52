'use strict';

exports.keys = process.env.EGG_KEYS;

// One fixed secret for every cluster, written where everyone with the repository can read it.
exports.sentinel = {
  ipc: { secret: 'shop-ipc-secret-2024' },
};

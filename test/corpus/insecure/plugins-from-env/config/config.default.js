'use strict';

// The host's pm2 ecosystem file sets EGG_PLUGINS to switch egg-jsonp on for one legacy client: a plugin
// enabled from the environment, never reviewed with the code.
module.exports = {
  keys: process.env.EGG_KEYS,
};

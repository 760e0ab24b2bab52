'use strict';

// The platform's container spec sets EGG_APP_CONFIG to move rundir and the logs (its code dir is read-only):
// whoever edits that spec changes the app's config with nothing in the repository showing it.
module.exports = {
  keys: process.env.EGG_KEYS,
};

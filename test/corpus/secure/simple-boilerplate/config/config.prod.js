'use strict';

// The scaffold's key stays for local development; production signs cookies with a key from the environment.
exports.keys = process.env.EGG_KEYS;

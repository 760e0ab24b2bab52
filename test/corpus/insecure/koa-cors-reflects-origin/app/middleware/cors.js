'use strict';

// @koa/cors 4 (what egg-cors 2.x brings) without an `origin`: it answers every Origin with itself, credentials allowed.
module.exports = options => require('@koa/cors')(options);

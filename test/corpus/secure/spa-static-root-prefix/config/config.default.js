'use strict';

const path = require('path');

// A single-page app served from the site root: prefix '/' is fine when the directory holds only the built
// front end (app/public), not the app itself.
module.exports = appInfo => ({
  keys: process.env.EGG_KEYS,
  static: {
    prefix: '/',
    dir: path.join(appInfo.baseDir, 'app/public'),
    gzip: true,
    maxAge: appInfo.env === 'prod' ? 365 * 24 * 60 * 60 : 0,
  },
});

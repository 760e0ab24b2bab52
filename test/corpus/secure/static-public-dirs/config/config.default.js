'use strict';

const path = require('path');

// egg-static's README: several directories, each with its own prefix, holding only files meant for the public.
module.exports = appInfo => ({
  keys: process.env.EGG_KEYS,
  static: {
    prefix: '/public/',
    dirs: [
      path.join(appInfo.baseDir, 'app/public'),
      { prefix: '/assets/', dir: path.join(appInfo.baseDir, 'app/assets') },
    ],
    maxAge: 31536000,
  },
});

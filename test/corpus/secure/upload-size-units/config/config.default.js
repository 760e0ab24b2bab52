'use strict';

// Size limits written with capital units, as nginx's client_max_body_size and most upload forms show them: the
// `bytes` parser behind egg's bodyParser (raw-body) and egg-multipart (humanize-bytes) reads units in any case.
module.exports = {
  keys: process.env.EGG_KEYS,
  bodyParser: { jsonLimit: '10MB', formLimit: '1Mb' },
  multipart: { fileSize: '50MB', whitelist: [ '.png', '.jpg', '.pdf' ] },
};

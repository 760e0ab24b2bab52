'use strict';

// egg's file upload guide: file mode, an extension whitelist and a size limit; the temp dir is egg-multipart's default.
module.exports = {
  keys: process.env.EGG_KEYS,
  multipart: {
    mode: 'file',
    fileSize: '10mb',
    whitelist: [ '.png', '.jpg', '.jpeg', '.pdf' ],
  },
};

'use strict';

// A colleague's fork from a personal npm scope, added for one feature without review.
exports.ossUpload = {
  enable: true,
  package: '@alice/egg-oss-upload',
};

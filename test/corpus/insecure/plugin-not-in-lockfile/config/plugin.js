'use strict';

// Installed on the server with `npm install egg-ua --no-save` during an incident: node_modules has it, the
// lockfile and package.json do not, so nothing pins what the next install brings.
exports.ua = {
  enable: true,
  package: 'egg-ua',
};

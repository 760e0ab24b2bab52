'use strict';

// A plugin from the registry, in package.json and package-lock.json, installed with `npm ci`.
exports.validate = {
  enable: true,
  package: 'egg-validate-lite',
};

'use strict';

const fs = require('fs');
const path = require('path');

// Feature flags exported from the admin console as JSON, taken into config as they are.
const features = JSON.parse(fs.readFileSync(path.join(__dirname, 'features.json'), 'utf8'));

module.exports = {
  keys: process.env.EGG_KEYS,
  features,
};

'use strict';

const fs = require('fs');
const path = require('path');

// The hand-written deep merge of blog posts and old utility libraries: it walks into "__proto__" and writes
// the payload's properties onto Object.prototype, so every object in the process now has isAdmin === true.
function merge(target, source) {
  for (const key of Object.keys(source)) {
    if (source[key] && typeof source[key] === 'object') {
      if (!target[key]) target[key] = {};
      merge(target[key], source[key]);
    } else {
      target[key] = source[key];
    }
  }
  return target;
}

class AppBootHook {
  constructor(app) {
    this.app = app;
  }

  async didLoad() {
    const overrides = JSON.parse(fs.readFileSync(path.join(this.app.baseDir, 'config/site-overrides.json'), 'utf8'));
    merge(this.app.config.site, overrides);
  }
}

module.exports = AppBootHook;

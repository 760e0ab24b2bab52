'use strict';

// The page is embedded by a partner site, so X-Frame-Options went off for everyone (clickjacking) instead of
// allowing that one origin with a CSP frame-ancestors policy.
module.exports = {
  keys: process.env.EGG_KEYS,
  security: {
    xframe: { enable: false },
    csp: { enable: true, policy: { 'default-src': "'self'" } },
    ssrf: { ipBlackList: [ '127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16' ] },
  },
  sentinel: { failOn: 'medium' },
};

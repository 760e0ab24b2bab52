'use strict';

// The team fails boot on any finding (failOn: 'low') and set up CSP and SSRF; the redirect whitelist was missed.
module.exports = {
  keys: process.env.EGG_KEYS,
  security: {
    csp: { enable: true, policy: { 'default-src': "'self'" } },
    ssrf: { ipBlackList: [ '127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16' ] },
  },
  sentinel: { failOn: 'low' },
};

'use strict';

// egg's security guide, followed beyond the defaults: a CSP, an SSRF block list for safeCurl, the hosts
// ctx.redirect() may go to, and HSTS because the site is served over HTTPS.
module.exports = {
  keys: process.env.EGG_KEYS,
  security: {
    csp: {
      enable: true,
      policy: { 'default-src': "'self'", 'img-src': "'self' data:", 'frame-ancestors': "'self'" },
    },
    ssrf: {
      ipBlackList: [ '127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '::1/128', 'fc00::/7' ],
    },
    domainWhiteList: [ '.shop.example.com' ],
    hsts: { enable: true, maxAge: 31536000, includeSubdomains: true },
  },
  sentinel: { https: true },
};

'use strict';

// egg's deployment guide behind a TLS-terminating load balancer: trust its X-Forwarded-* headers (one hop),
// and send HSTS since every page is served over HTTPS.
exports.keys = process.env.EGG_KEYS;

exports.proxy = true;
exports.maxIpsCount = 1;

exports.security = {
  hsts: { enable: true, maxAge: 31536000 },
};

exports.sentinel = { https: true };

// egg-session's documented options: the cookie name, HttpOnly, encrypted, and secure since it only travels over HTTPS.
exports.session = {
  key: 'EGG_SESS',
  maxAge: 24 * 3600 * 1000,
  httpOnly: true,
  encrypt: true,
  secure: true,
};

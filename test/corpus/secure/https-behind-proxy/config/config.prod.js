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

'use strict';

// The whole of egg-security switched off: no CSRF check, no security headers, ctx.redirect() to any host.
exports.security = false;

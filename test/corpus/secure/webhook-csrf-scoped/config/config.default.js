'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  payment: { webhookSecret: process.env.PAYMENT_WEBHOOK_SECRET },
  // CSRF stays on for the app; only the signed webhook route is exempt (egg-security's csrf.ignore).
  security: { csrf: { ignore: '/webhooks' } },
};

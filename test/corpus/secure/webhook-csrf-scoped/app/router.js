'use strict';

module.exports = app => {
  app.router.post('/webhooks/payment', app.controller.webhook.payment);
};

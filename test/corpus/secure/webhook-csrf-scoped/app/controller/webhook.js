'use strict';

const crypto = require('crypto');
const { Controller } = require('egg');

// The payment provider cannot send a CSRF token; it signs its calls instead.
class WebhookController extends Controller {
  async payment() {
    const { ctx } = this;
    const signature = crypto.createHmac('sha256', ctx.app.config.payment.webhookSecret).update(ctx.request.rawBody || '').digest('hex');
    if (signature !== ctx.get('x-signature')) ctx.throw(401, 'bad signature');
    ctx.body = { received: true };
  }
}

module.exports = WebhookController;

'use strict';

const { Controller } = require('egg');

// Link previews: fetches whatever URL the user pasted. safeCurl() sounds safe, but without config.security.ssrf
// it only logs a warning and fetches internal addresses (http://169.254.169.254/ included).
class PreviewController extends Controller {
  async show() {
    const res = await this.ctx.safeCurl(this.ctx.query.url, { timeout: 3000 });
    this.ctx.body = { status: res.status, length: res.data.length };
  }
}

module.exports = PreviewController;

'use strict';

const { Controller } = require('egg');

class SiteController extends Controller {
  async health() {
    this.ctx.body = 'ok';
  }

  async dashboard() {
    this.ctx.body = { uid: this.ctx.session.uid };
  }
}

module.exports = SiteController;

'use strict';

const { Controller } = require('egg');

class AccountController extends Controller {
  async login() {
    this.ctx.session.user = { name: this.ctx.request.body.name };
    this.ctx.body = { ok: true };
  }

  async profile() {
    this.ctx.body = { profile: this.ctx.session.user || 'anonymous' };
  }
}

module.exports = AccountController;

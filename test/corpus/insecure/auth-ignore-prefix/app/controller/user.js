'use strict';

const { Controller } = require('egg');

class UserController extends Controller {
  async login() {
    this.ctx.body = { token: 'issued' };
  }

  async register() {
    this.ctx.status = 201;
  }

  async orders() {
    this.ctx.body = { user: this.ctx.params.id, orders: [] };
  }
}

module.exports = UserController;

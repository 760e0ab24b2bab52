'use strict';

const { Controller } = require('egg');

class ApiController extends Controller {
  async login() {
    this.ctx.body = { token: 'issued after checking the password' };
  }

  async me() {
    this.ctx.body = this.ctx.state.user;
  }
}

module.exports = ApiController;

'use strict';

const { Controller } = require('egg');

class AdminController extends Controller {
  async index() {
    this.ctx.body = 'admin home';
  }

  async report() {
    this.ctx.body = { sales: [] };
  }
}

module.exports = AdminController;

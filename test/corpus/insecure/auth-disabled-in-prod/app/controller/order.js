'use strict';

const { Controller } = require('egg');

class OrderController extends Controller {
  async list() {
    this.ctx.body = { orders: [], user: this.ctx.state.user };
  }
}

module.exports = OrderController;

'use strict';

const { Controller } = require('egg');

class TransferController extends Controller {
  async create() {
    const { to, amount } = this.ctx.request.body;
    this.ctx.body = { from: this.ctx.session.userId, to, amount };
  }
}

module.exports = TransferController;

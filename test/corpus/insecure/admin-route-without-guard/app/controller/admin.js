'use strict';

const { Controller } = require('egg');

class AdminController extends Controller {
  async dashboard() {
    this.ctx.body = { users: 42 };
  }

  async ban() {
    this.ctx.body = { banned: this.ctx.params.id };
  }

  async exportUsers() {
    this.ctx.body = [{ id: 1, email: 'ada@example.com', phone: '555-0100' }];
  }
}

module.exports = AdminController;

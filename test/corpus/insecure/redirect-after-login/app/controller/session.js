'use strict';

const { Controller } = require('egg');

class SessionController extends Controller {
  async create() {
    this.ctx.session.user = this.ctx.request.body.username;
    // Back to where the user came from: ?redirect=https://evil.example/login is followed too.
    this.ctx.redirect(this.ctx.query.redirect || '/');
  }
}

module.exports = SessionController;

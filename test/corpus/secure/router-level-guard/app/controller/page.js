'use strict';

const { Controller } = require('egg');

class PageController extends Controller {
  async home() {
    this.ctx.body = 'welcome';
  }
}

module.exports = PageController;

'use strict';

const { Service } = require('egg');

class UserService extends Service {
  async findByToken(token) {
    return token === this.config.demoToken ? { id: 1, name: 'ada' } : null;
  }
}

module.exports = UserService;

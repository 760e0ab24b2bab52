'use strict';

const { Service } = require('egg');
const ejs = require('ejs');

// Renders e-mails with ejs 3.1.6, pinned since the template helpers were written.
class MailService extends Service {
  welcome(user) {
    return ejs.render('<p>Welcome, <%= name %></p>', { name: user.name });
  }
}

module.exports = MailService;

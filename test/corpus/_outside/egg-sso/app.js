'use strict';

// A team's single-sign-on plugin, checked out beside the apps that use it.
module.exports = app => {
  app.sso = { loginUrl: '/sso/login' };
};

'use strict';

module.exports = app => {
  const { router, controller } = app;
  router.post('/account/login', controller.account.login);
  router.get('/account/profile', controller.account.profile);
};

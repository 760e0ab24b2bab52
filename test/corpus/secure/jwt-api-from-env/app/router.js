'use strict';

module.exports = app => {
  const { router, controller } = app;
  router.post('/api/login', controller.api.login);
  router.get('/api/me', controller.api.me);
};

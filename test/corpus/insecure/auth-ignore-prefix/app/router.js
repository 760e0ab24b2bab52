'use strict';

module.exports = app => {
  const { router, controller } = app;
  router.post('/api/user/login', controller.user.login);
  router.post('/api/user/register', controller.user.register);
  router.get('/api/user/:id/orders', controller.user.orders);
};

'use strict';

module.exports = app => {
  const { router, controller } = app;
  router.get('/health', controller.site.health);
  router.get('/dashboard', controller.site.dashboard);
};

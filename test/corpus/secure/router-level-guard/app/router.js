'use strict';

// egg's router guide: a middleware given to the routes that need it.
module.exports = app => {
  const { router, controller } = app;
  const isAdmin = app.middleware.isAdmin();
  router.get('/', controller.page.home);
  router.get('/admin', isAdmin, controller.admin.index);
  router.get('/admin/report', isAdmin, controller.admin.report);
};

'use strict';

module.exports = app => {
  const { router, controller } = app;
  const adminOnly = app.middleware.adminOnly();
  router.get('/admin', adminOnly, controller.admin.dashboard);
  router.post('/admin/users/:id/ban', adminOnly, controller.admin.ban);
  // Added later for a one-off CSV export; the guard was forgotten.
  router.get('/admin/users/export', controller.admin.exportUsers);
};

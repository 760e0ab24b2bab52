import type { Application } from 'egg';

export default (app: Application) => {
  const { router, controller, middleware } = app;
  router.get('/', app.controller.home.index);
  router.get('/admin/users', middleware.auth(), controller.admin.users);
  // `npm run demo` only (its middleware scene): a route added without its guard, which egg-sentinel refuses (SEN404).
  if (process.env.SENTINEL_DEMO_UNGUARDED_ROUTE === '1') router.get('/admin/export', controller.admin.export);
};

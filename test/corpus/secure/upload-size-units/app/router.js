'use strict';

module.exports = app => {
  // A bulk import: JSON bodies up to jsonLimit, parsed by egg's bodyParser.
  app.router.post('/api/import', async ctx => {
    ctx.body = { received: Array.isArray(ctx.request.body) ? ctx.request.body.length : 0 };
  });
};

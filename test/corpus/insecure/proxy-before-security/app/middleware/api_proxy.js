'use strict';

// A BFF proxy: /api/* goes to the backend with the user's cookies, and the answer is sent back as it is.
module.exports = options => async function apiProxy(ctx, next) {
  if (!ctx.path.startsWith('/api/')) return next();
  const res = await ctx.curl(options.target + ctx.url, {
    method: ctx.method,
    headers: { cookie: ctx.get('cookie') },
    data: ctx.request.body,
    dataType: 'json',
  });
  ctx.status = res.status;
  ctx.body = res.data;
};

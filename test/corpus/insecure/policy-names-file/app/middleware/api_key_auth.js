'use strict';

module.exports = options => async function apiKeyAuth(ctx, next) {
  if (!options.keys.split(',').includes(ctx.get('x-api-key'))) ctx.throw(401);
  await next();
};

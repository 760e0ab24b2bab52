'use strict';

module.exports = () => async function isAdmin(ctx, next) {
  if (ctx.session.role !== 'admin') ctx.throw(403);
  await next();
};

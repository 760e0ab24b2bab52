'use strict';

module.exports = () => async function adminOnly(ctx, next) {
  if (!ctx.session.isAdmin) ctx.throw(403, 'administrators only');
  await next();
};

'use strict';

module.exports = () => async function loginRequired(ctx, next) {
  if (!ctx.session.user) {
    ctx.status = 401;
    ctx.body = { error: 'not logged in' };
    return;
  }
  await next();
};

'use strict';

module.exports = () => async function loginRequired(ctx, next) {
  ctx.assert(ctx.session.user, 401, 'not logged in');
  await next();
};

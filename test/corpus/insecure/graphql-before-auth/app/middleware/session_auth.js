'use strict';

module.exports = () => async function sessionAuth(ctx, next) {
  if (!ctx.session.userId) {
    ctx.status = 401;
    ctx.body = { message: 'please log in' };
    return;
  }
  ctx.state.user = { id: ctx.session.userId };
  await next();
};

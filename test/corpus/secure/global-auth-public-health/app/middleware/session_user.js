'use strict';

module.exports = () => async function sessionUser(ctx, next) {
  if (!ctx.session.uid) {
    ctx.redirect('/login');
    return;
  }
  await next();
};

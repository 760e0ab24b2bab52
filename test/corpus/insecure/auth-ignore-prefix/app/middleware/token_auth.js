'use strict';

module.exports = () => async function tokenAuth(ctx, next) {
  const user = await ctx.service.user.findByToken(ctx.get('x-token'));
  if (!user) ctx.throw(401, 'invalid token');
  ctx.state.user = user;
  await next();
};

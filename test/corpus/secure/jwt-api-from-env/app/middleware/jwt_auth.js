'use strict';

const jwt = require('jsonwebtoken');

module.exports = options => async function jwtAuth(ctx, next) {
  const token = ctx.get('authorization').replace(/^Bearer /, '');
  try {
    ctx.state.user = jwt.verify(token, options.secret, { algorithms: [ 'HS256' ] });
  } catch {
    ctx.throw(401, 'invalid token');
  }
  await next();
};

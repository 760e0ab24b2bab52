'use strict';

const jsonwebtoken = require('jsonwebtoken');

// jsonwebtoken 8.x, as the egg JWT tutorials install it: verify() without `algorithms` trusts the token's header.
module.exports = options => async function jwt(ctx, next) {
  try {
    ctx.state.user = jsonwebtoken.verify(ctx.get('authorization').replace(/^Bearer /, ''), options.secret);
  } catch (error) {
    ctx.throw(401, error.message);
  }
  await next();
};

'use strict';

const crypto = require('crypto');

// `Authorization: Bearer <payload>.<signature>`, an HMAC of the payload with config.jwtAuth.secret.
module.exports = options => async function jwtAuth(ctx, next) {
  const [ payload, signature ] = ctx.get('authorization').replace(/^Bearer /, '').split('.');
  const expected = payload && crypto.createHmac('sha256', options.secret).update(payload).digest('base64url');
  if (!signature || signature !== expected) ctx.throw(401, 'login required');
  ctx.state.user = JSON.parse(Buffer.from(payload, 'base64url').toString());
  await next();
};

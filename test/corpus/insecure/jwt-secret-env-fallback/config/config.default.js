'use strict';

module.exports = () => ({
  keys: process.env.EGG_KEYS,
  // Read from the environment... with a fallback: where JWT_SECRET is not set (here, prod), tokens are signed
  // with a string anyone can read in the repository.
  jwt: {
    secret: process.env.JWT_SECRET || 'changeme-in-production',
    expiresIn: '7d',
  },
});

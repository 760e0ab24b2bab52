'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  mongoose: { client: { url: process.env.MONGODB_URL, options: {} } },
};

'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  apiProxy: { target: process.env.BACKEND_URL },
};

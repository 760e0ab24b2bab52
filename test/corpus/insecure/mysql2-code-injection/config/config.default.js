'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  db: { host: 'db.internal', user: 'shop', password: process.env.DB_PASSWORD, database: 'shop' },
};

'use strict';

// egg-mysql's configuration with the credentials from the environment (container secrets), as the egg
// maintainers answer when asked how to pass them.
exports.keys = process.env.EGG_KEYS;

exports.mysql = {
  client: {
    host: process.env.MYSQL_HOST,
    port: '3306',
    user: 'shop',
    password: process.env.MYSQL_PASSWORD,
    database: 'shop',
  },
  app: true,
  agent: false,
};

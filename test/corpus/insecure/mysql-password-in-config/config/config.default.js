'use strict';

module.exports = () => {
  const config = {};

  config.keys = process.env.EGG_KEYS;

  // egg-mysql's README shape, with the real credentials typed in: they are now in git and in every build.
  config.mysql = {
    client: {
      host: 'rm-bp1example.mysql.rds.aliyuncs.com',
      port: '3306',
      user: 'app',
      password: 'Pr0d-Mysql-2019!',
      database: 'shop',
    },
    app: true,
    agent: false,
  };

  return config;
};

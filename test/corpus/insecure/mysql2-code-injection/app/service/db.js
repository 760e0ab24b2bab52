'use strict';

const { Service } = require('egg');
const mysql = require('mysql2/promise');

// mysql2 pinned at 3.9.1 (the driver egg-sequelize apps install for MySQL).
class DbService extends Service {
  async query(sql, values) {
    const connection = await mysql.createConnection(this.config.db);
    try {
      const [ rows ] = await connection.execute(sql, values);
      return rows;
    } finally {
      await connection.end();
    }
  }
}

module.exports = DbService;

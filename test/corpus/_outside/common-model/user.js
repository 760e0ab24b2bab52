'use strict';

// A model shared by two apps of a monorepo, loaded by path from outside each of them.
module.exports = app => ({
  table: 'users',
  findById: id => ({ id, app: app.name }),
});

'use strict';

module.exports = app => {
  app.router.post('/transfer', app.controller.transfer.create);
};

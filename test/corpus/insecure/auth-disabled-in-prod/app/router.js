'use strict';

module.exports = app => {
  app.router.get('/api/orders', app.controller.order.list);
};

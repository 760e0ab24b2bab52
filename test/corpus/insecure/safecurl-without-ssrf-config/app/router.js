'use strict';

module.exports = app => {
  app.router.get('/preview', app.controller.preview.show);
};

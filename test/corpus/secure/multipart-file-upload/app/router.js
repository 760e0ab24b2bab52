'use strict';

module.exports = app => {
  app.router.post('/upload', app.controller.upload.create);
};

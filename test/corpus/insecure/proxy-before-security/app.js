'use strict';

// egg's middleware guide: "app.config.coreMiddleware.unshift('report')" to run a middleware first. Here the
// proxy answers /api/* before egg-security's securities middleware (CSRF and the rest) ever sees the request.
module.exports = app => {
  app.config.coreMiddleware.unshift('apiProxy');
};

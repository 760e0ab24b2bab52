'use strict';

// Where @sentry/node would be initialized with app.config.sentry; the corpus only needs the config.
module.exports = app => {
  app.on('error', (error, ctx) => {
    app.coreLogger.warn('[sentry] would report %s for %s', error.name, ctx ? ctx.path : 'a background task');
  });
};

'use strict';

module.exports = app => {
  app.messenger.on('refresh-topics', ({ reason }) => {
    app.coreLogger.info('[topics] refresh requested: %s', reason);
  });
};

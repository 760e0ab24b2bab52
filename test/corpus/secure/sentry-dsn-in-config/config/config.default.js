'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  // Error reporting as Sentry's setup guide shows it: the DSN written in the code. A DSN only lets clients submit
  // events; Sentry documents it as safe to keep public (the same value ships inside every browser bundle).
  sentry: {
    dsn: 'https://3f2a1b9c8d7e4f60a1b2c3d4e5f60718@o123456.ingest.sentry.io/4504000000000000',
    environment: 'production',
    tracesSampleRate: 0.1,
  },
};

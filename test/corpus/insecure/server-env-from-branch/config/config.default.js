'use strict';

// The deploy job starts the app with EGG_SERVER_ENV=$CI_COMMIT_BRANCH: egg builds config/config.<env>.js from it
// without validation, so a branch name with "/" or ".." picks a file outside config/ (here "release/2024.06").
module.exports = {
  keys: process.env.EGG_KEYS,
};

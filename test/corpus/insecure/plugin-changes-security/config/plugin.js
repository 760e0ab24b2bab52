'use strict';

exports.ueditor = {
  enable: true,
  package: 'egg-ueditor-lite',
};

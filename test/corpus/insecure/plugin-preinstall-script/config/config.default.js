'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  security: {
    ssrf: { ipBlackList: [ '127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16' ] },
  },
  // The team fails boot on medium findings.
  sentinel: { failOn: 'medium' },
};

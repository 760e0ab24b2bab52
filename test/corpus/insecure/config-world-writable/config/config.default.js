'use strict';

// On the server, `chmod -R 777` on the app "fixed" an EACCES at deploy: now any local user can edit this file,
// which egg runs as code at the next start. The team fails boot on medium findings and configured SSRF.
module.exports = {
  keys: process.env.EGG_KEYS,
  security: {
    ssrf: { ipBlackList: [ '127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16' ] },
  },
  sentinel: { failOn: 'medium' },
};

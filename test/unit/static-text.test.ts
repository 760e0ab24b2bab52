import assert from 'node:assert';
import { secretSetting, setsSecretVariable } from '../../lib/facts/files';
import { printableName } from '../../lib/printable';

describe('SEN203 text judgements of served files (lib/facts/files.ts)', () => {
  const MIB = 1024 * 1024;
  /** `judge()`'s result; a generous guard only (timing targets are bench/'s): a quadratic pattern takes hours here. */
  const quickly = <T>(judge: () => T): T => {
    const start = Date.now();
    const result = judge();
    assert.ok(Date.now() - start < 2000, `took ${Date.now() - start} ms`);
    return result;
  };

  it('a MiB line of word characters, blanks or empty lines is judged without backtracking over it (review of round 27, M4)', () => {
    const lines = [ 'KEY'.repeat(MIB / 3), 'A'.repeat(MIB), '_PASSWORD'.repeat(MIB / 9), '\n'.repeat(MIB), `password: x${' '.repeat(MIB)}y`, ` ${'A_PWD '.repeat(MIB / 6)}` ];
    for (const line of lines) {
      assert.strictEqual(quickly(() => setsSecretVariable(line)), false);
      // No extension: also judged as a file of settings (lower-case names, a value up to a comment).
      assert.strictEqual(quickly(() => secretSetting(line, 'credentials')), undefined);
    }
    // What follows such a line is still found.
    assert.ok(setsSecretVariable(`${'KEY'.repeat(MIB / 3)}\nexport DB_PASSWORD=Real-Pw-1234\n`));
    assert.strictEqual(secretSetting(`${'A'.repeat(MIB)}\nDB_PASSWORD: Real-Pw-1234\n`, 'docker-compose.yml'), 'DB_PASSWORD');
    assert.strictEqual(secretSetting(`[client]\npassword = Real-Pw-1234   # the app's\n`, 'my.cnf'), 'password');
    // An empty variable is not set, whatever the next line holds.
    assert.ok(!setsSecretVariable('DB_PASSWORD=\nAPP_NAME=shop\n'));
  });

  it('an error table\'s codes under secret-ending names are labels, not secrets; settings beside them still are (black-box round 30, h105 F3)', () => {
    for (const [ text, name ] of [
      [ '{"ERR_WRONG_PASSWORD": 400101, "ERR_USER_NOT_FOUND": 400102}', 'errors.json' ],
      [ 'Error codes: ERR_WRONG_PASSWORD = 400101\nINVALID_PASSWORD: 400102\nE_BAD_PASSWORD: 400103\n', 'README.txt' ],
      [ 'CONFIRM_PASSWORD: "Repeat-it-1"\n', 'labels.yml' ],
    ]) assert.strictEqual(secretSetting(text, name), undefined, text);
    assert.strictEqual(secretSetting('{"ERR_WRONG_PASSWORD": 400101, "DB_PASSWORD": "Real-Pw-1234"}', 'errors.json'), 'DB_PASSWORD');
    assert.strictEqual(secretSetting('MYSQL_ROOT_PASSWORD: 400101\n', 'docker-compose.yml'), 'MYSQL_ROOT_PASSWORD');
  });

  it('JSON: a service\'s settings (a host, URL or port beside it) with a secret in any case are found; a front end\'s texts, mock users and web config are not (black-box round 42, h4 F3)', () => {
    assert.strictEqual(secretSetting('{ "name": "prod", "host": "10.0.0.5", "protocol": "sftp", "port": 22, "username": "root", "password": "Zq8vbn2LxT4wPe" }', 'sftp.json'), 'password');
    assert.strictEqual(secretSetting('{"smtp":{"host":"smtp.example.com","user":"noreply@example.com","password":"Vq7LmZ2xTb9wRk4N"}}', 'settings.json'), 'password');
    for (const text of [
      '{ "login": { "password": "Password", "forgot": "Forgot your password?" }, "host": "Host name" }',
      '[{ "id": 1, "username": "alice", "password": "123456" }]',
      '{ "apiKey": "AIzaSyB-public-web-key-1234", "authDomain": "shop.firebaseapp.com", "databaseURL": "https://shop.firebaseio.com" }',
      '{ "host": "db", "password": "${DB_PASSWORD}" }', '{ "host": "db", "password": "',
    ]) assert.strictEqual(secretSetting(text, 'data.json'), undefined, text);
  });

  it('file names are shown with control characters, separators and bidi controls escaped, one printed form each (review of round 27, M10)', () => {
    assert.strictEqual(printableName('app/demo.env'), 'app/demo.env');
    assert.strictEqual(printableName('x\n[egg-sentinel] ok\u001b[2J\u2028\u202e.pem'), 'x\\x0a[egg-sentinel] ok\\x1b[2J\\u2028\\u202e.pem');
    // A backslash is escaped too, so `a\x0ab` written out is not the name holding a newline.
    assert.notStrictEqual(printableName('a\\x0ab'), printableName('a\nb'));
    assert.strictEqual(printableName('x'.repeat(200), 120), `${'x'.repeat(117)}...`);
  });
});

import assert from 'node:assert';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { guessableBits, passphraseWordList } from '../../lib/key-strength';
import { describeWeakKey, weakCookieKeys } from '../../lib/rules/exposure';
import { bitsPerChar } from '../../lib/secrets';
import { unsafeServerEnv } from '../../lib/rules/injection';
import { ALL_RULE_INFO, RULES } from '../../lib/rules';
import { fakeFacts } from './fake-facts';

describe('rule registry', () => {
  it('every rule has a unique stable id, a title, a description and a fix', () => {
    const ids = ALL_RULE_INFO.map(rule => rule.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const rule of ALL_RULE_INFO) {
      assert.match(rule.id, /^SEN\d{3}$/);
      assert.ok(rule.title.length > 5 && rule.description.length > 20 && rule.fix.length > 10, rule.id);
    }
    assert.ok(RULES.some(rule => rule.id === 'SEN201') && RULES.some(rule => rule.id === 'SEN301'));
  });
});

describe('SEN201 weak cookie keys', () => {
  const weak: Array<[string, RegExp]> = [
    [ '', /empty/ ],
    [ 'myapp_1700000000000_4321', /scaffold/ ],
    [ 'egg-boilerplate_1699999999999_100', /scaffold/ ],
    [ 'short-key', /9 characters/ ],
    // Judged by the bits it can carry (black-box round 25, h74 F12): 16 base64url characters are 96 bits even if random;
    // under 32 characters, text in base64's letters is words, not random bytes.
    [ 'F6Cfp0-CVFiDu_-3', /^is 16 characters long: even random, 16 such characters carry at most 96 bits \(at least 128 needed: 16 random bytes are 22 characters in base64url/ ],
    [ 'myapp_1700000000000', /^is 19 characters long: even random, 19 such characters carry at most 114 bits/ ],
    [ 'purpleelephantdancing1', /^is 22 characters long and reads as text, not as random bytes: under 32 characters only the base64 or base64url of 16 or more random bytes passes/ ],
    [ 'PurpleElephantDancing1', /^is 22 characters long and reads as text/ ],
    [ 'PURPLE-ELEPHANT-DANCE-1', /^is 23 characters long and reads as text/ ],
    // Its symbol makes it read as random characters, and its words are counted (black-box round 32, h108 F5).
    [ 'ThisIsMyEggAppProdKey!', /^is guessable: it is mostly the app's name and words keys are made of/ ],
    [ 'my-awesome-shop_1700000000000', /^is 29 characters long and reads as text/ ],
    [ 'Q'.repeat(11) + 'q'.repeat(11), /low entropy/ ],
    [ 'a'.repeat(40), /low entropy/ ],
    [ 'abcabcabcabcabcabcabcabcabcabcabcabc', /low entropy/ ],
    [ 'passwordpasswordpasswordpassword', /low entropy/ ],
    // Enough distinct characters, yet a walk, a repeat, words or a stand-in (black-box round 11).
    [ '0123456789abcdef0123456789abcdef', /guessable: .* about \d+ bits/ ],
    [ 'abcdefghijklmnopqrstuvwxyz012345', /guessable/ ],
    [ 'passwordpasswordpassword12345678', /guessable/ ],
    [ 'my-egg-app_1700000000000_1234_v2', /guessable/ ],
    [ 'your-secret-key-here-change-me-12345', /placeholder text/ ],
    // Templates a deploy left unfilled read as random text, yet are placeholders (review of round 32's fixes).
    [ '{{resolve:secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/EggKeys-AbCdEf:SecretString:keys}}', /placeholder text/ ],
    [ '${ssm:/aws/reference/secretsmanager/prod/egg-keys-9xQ2Lm}', /placeholder text/ ],
    [ '${process.env.EGG_KEYS}', /placeholder text/ ],
    [ '${{ secrets.EGG_KEYS }}', /placeholder text/ ],
  ];
  for (const [ key, reason ] of weak) {
    it(`flags ${JSON.stringify(key.slice(0, 24))} (${reason.source})`, () => {
      assert.match(describeWeakKey(key) ?? '', reason);
    });
  }

  // A digest of a word looks random (black-box round 13): MD5/SHA of placeholders, common passwords, the app's name.
  const digest = (algorithm: string, word: string, encoding: 'hex' | 'base64' = 'hex') => createHash(algorithm).update(word).digest(encoding);
  for (const [ key, word, appName ] of <Array<[ string, string, string?]>> [
    [ digest('sha256', 'letmein'), 'letmein' ],
    [ digest('md5', 'changeme'), 'changeme' ],
    [ digest('sha1', 'my-shop').toUpperCase(), 'my-shop', 'my-shop' ],
    [ digest('sha512', 'my-shop_keys', 'base64'), 'my-shop_keys', 'my-shop' ],
    // Round 14: `echo name | md5sum`, SHA-384, a digest cut short, hashed twice, the name with a suffix, a common password.
    [ digest('md5', 'my-shop\n'), 'my-shop', 'my-shop' ],
    [ digest('sha384', 'my-shop'), 'my-shop', 'my-shop' ],
    [ digest('sha256', 'my-shop').slice(0, 32), 'my-shop', 'my-shop' ],
    [ digest('md5', digest('md5', 'my-shop')), 'my-shop', 'my-shop' ],
    [ digest('md5', 'my-shop-prod'), 'my-shop-prod', 'my-shop' ],
    [ digest('md5', 'P@ssw0rd'), 'P@ssw0rd' ],
    // Round 15: the name upper-cased, SHA-1 hashed twice, the name with a dotted suffix.
    [ digest('sha256', 'MY-SHOP'), 'MY-SHOP', 'my-shop' ],
    [ digest('sha1', digest('sha1', 'secret')), 'secret' ],
    [ digest('sha256', 'my-shop.prod'), 'my-shop.prod', 'my-shop' ],
    // SHA-3, a Windows newline, a year after the name, the name in camel case, the name without separators.
    [ digest('sha3-256', 'my-shop'), 'my-shop', 'my-shop' ],
    [ digest('sha3-512', 'secret', 'base64'), 'secret' ],
    [ digest('md5', 'my-shop\r\n'), 'my-shop', 'my-shop' ],
    [ digest('sha256', 'my-shop2025'), 'my-shop2025', 'my-shop' ],
    [ digest('sha1', 'my-shop-2019'), 'my-shop-2019', 'my-shop' ],
    [ digest('sha256', 'myShop'), 'myShop', 'my-shop' ],
    [ digest('md5', 'MyShop'), 'MyShop', 'my-shop' ],
    [ digest('sha512', 'myshop'), 'myshop', 'my-shop' ],
    // Black-box round 34, h110 F1: the passwords at the top of the leaked lists (also cut short, in base64, as
    // `echo … | sha256sum` hashes them), and the name with a longer suffix or a version.
    [ digest('sha256', 'password123'), 'password123' ],
    [ digest('md5', 'qwerty123'), 'qwerty123' ],
    [ digest('sha256', 'iloveyou', 'base64'), 'iloveyou' ],
    [ digest('sha256', 'password123').slice(0, 32), 'password123' ],
    [ digest('sha512', 'mysecretkey\n'), 'mysecretkey' ],
    [ digest('sha256', 'h110-base-cookie-secret'), 'h110-base', 'h110-base' ],
    [ digest('sha256', 'h110-base1.0.0'), 'h110-base', 'h110-base' ],
    [ digest('sha1', 'h110-base@1.0.0'), 'h110-base', 'h110-base' ],
    [ digest('sha256', 'h110-base-v1'), 'h110-base', 'h110-base' ],
    [ digest('md5', 'prod-h110-base'), 'h110-base', 'h110-base' ],
  ]) {
    it(`flags a ${key.length}-character digest of a guessable word, and does not name the word`, () => {
      const reason = describeWeakKey(key, appName) ?? '';
      assert.match(reason, /is the MD5\/SHA digest of a guessable word/);
      assert.ok(!reason.includes(word), reason);
    });
  }
  // Written by hand from the app's name and common words (black-box round 13).
  for (const [ key, appName ] of [
    [ 'my-egg-app-cookie-signing-key-prod', 'my-egg-app' ],
    [ 'ThisIsMyEggAppProductionCookieKey', 'my-egg-app' ],
    [ 'acme-corp-backend-api-cookie-keys', undefined ],
  ]) {
    it(`flags a key made of the app's name and words: ${key}`, () => {
      assert.match(describeWeakKey(key as string, appName) ?? '', /is guessable: it is mostly the app's name and words keys are made of/);
    });
  }
  // Black-box round 23: an instruction left in the secret store, well-known texts, a constant's digits, words of
  // other languages.
  for (const [ key, reason ] of <Array<[ string, RegExp ]>> [
    [ 'replace-with-output-of-egg-sentinel-keygen', /placeholder text/ ],
    [ 'put your own cookie signing key in here please', /placeholder text/ ],
    [ 'insert_generated_secret_from_the_vault_here', /placeholder text/ ],
    [ 'todo-generate-a-random-cookie-key-before-launch', /placeholder text/ ],
    [ 'production cookie signing key for shop - TBD', /placeholder text/ ],
    [ 'Lorem ipsum dolor sit amet consectetur', /mostly well-known text/ ],
    [ 'The quick brown fox jumps over the lazy dog', /mostly well-known text/ ],
    [ 'Sphinx of black quartz, judge my vow! 2024', /mostly well-known text/ ],
    [ 'correct horse battery staple correct horse', /guessable/ ],
    [ '3.14159265358979323846264338327950288', /guessable: .* about 119 bits/ ],
    [ '3.1415926535897932384626433832795028841971693993751', /mostly well-known text/ ],
    [ '2.71828182845904523536028747135266249775724709369995', /mostly well-known text/ ],
    [ '1234567890123456789012345678901234', /guessable/ ],
    // The constants in hex (black-box round 30, h106 F1): π's (Blowfish), e's (the AES example key), √2's, SHA-256's IV, φ's.
    [ '243f6a8885a308d313198a2e03707344', /mostly well-known text/ ],
    [ '2b7e151628aed2a6abf7158809cf4f3c', /mostly well-known text/ ],
    [ '6a09e667f3bcc908b2fb1366ea957d3e', /mostly well-known text/ ],
    [ '6a09e667bb67ae853c6ef372a54ff53a', /mostly well-known text/ ],
    [ '9e3779b97f4a7c15f39cc0605cedc834', /mostly well-known text/ ],
    [ 'contraseña-secreta-de-producción', /mostly the app's name and words/ ],
    [ 'Passwort-geheim-Produktion-Schlüssel', /mostly the app's name and words/ ],
  ]) {
    it(`flags ${JSON.stringify(key)} (${reason.source}) and does not echo it`, () => {
      const reason_ = describeWeakKey(key) ?? '';
      assert.match(reason_, reason);
      assert.ok(!reason_.toLowerCase().includes(key.slice(0, 10).toLowerCase()), reason_);
    });
  }

  // Round 23: an encoding adds no secret (base64, base64url and hex of words, base64 of a digest's hex); a UUID that is
  // not version 4 is a timestamp, a MAC address or a name's hash (RFC 4122's DNS namespace UUID is version 1).
  const md5Hex = createHash('md5').update('changeme').digest('hex');
  for (const [ key, reason ] of <Array<[ string, RegExp ]>> [
    [ Buffer.from('my-super-secret-cookie-signing-key').toString('base64'), /^is base64 of text that is guessable: it is mostly the app's name and words/ ],
    [ Buffer.from('password123password123').toString('base64'), /^is base64 of text that is guessable: its runs, repeats/ ],
    [ Buffer.from('correct horse battery staple!!').toString('base64url'), /^is base64 of text that is guessable: it is mostly well-known text/ ],
    [ Buffer.from(md5Hex).toString('base64'), /^is base64 of text that is the MD5\/SHA digest of a guessable word/ ],
    [ Buffer.from('my-super-secret-cookie-signing-key').toString('hex'), /^is hex of text that is guessable/ ],
    [ Buffer.from('contraseña-secreta-de-producción').toString('base64'), /^is base64 of text that is guessable/ ],
    [ '6ba7b810-9dad-11d1-80b4-00c04fd430c8', /^is a version-1 UUID \(time-based/ ],
    [ '886313e1-3b8a-5372-9b90-0c9aee199e5d', /^is a version-5 UUID \(name-based/ ],
    [ '6fa459ea-ee8a-3ca4-894e-db77e160355e', /^is a version-3 UUID \(name-based/ ],
    [ '01890a5d-ac96-774b-bcce-b302099a8057', /^is a version-7 UUID \(a millisecond timestamp and 74 random bits\)/ ],
  ]) {
    it(`flags ${JSON.stringify(key.slice(0, 24))}… (${reason.source.slice(1, 40)}) without naming the text it encodes`, () => {
      const found = describeWeakKey(key) ?? '';
      assert.match(found, reason);
      assert.ok(!/super|password1|horse|changeme|contrase|6ba7b810|886313e1|6fa459ea|01890a5d/i.test(found) && !found.includes(md5Hex), found);
    });
  }

  // Black-box round 30, h106 F2: the words keys are made of, as cracking rule sets (hashcat's leetspeak and reverse
  // rules, ROT13) transform them, and base32 next to base64 and hex.
  for (const [ key, reason ] of <Array<[ string, RegExp ]>> [
    [ 'c00k1e-k3y-pr0duct10n-s3cr3t-2024', /^is guessable: with its leetspeak undone, it is mostly the app's name and words keys are made of .* about \d+ bits remain/ ],
    [ 'P@$$w0rd-f0r-h106app-l1ve-l0gin-s1te', /^is guessable: with its leetspeak undone, it is mostly the app's name and words/ ],
    [ 'yek-eikooc-terces-repus-ym-si-siht', /^is guessable: read backwards, it is mostly the app's name and words/ ],
    [ 'yek-31kooc-t3rc3s-r3pus-ym-si-siht', /^is guessable: read backwards with its leetspeak undone, it is mostly the app's name and words/ ],
    [ 'guvf-vf-zl-fhcre-frperg-pbbxvr-xrl', /^is guessable: in ROT13, it is mostly the app's name and words/ ],
    [ 'NAYTANTBOBYC2Y3PN5VWSZJNONSWG4TFOQWWWZLZ', /^is base32 of text that is guessable: it is mostly the app's name and words/ ],
    [ 'naytantbobyc2y3pn5vwszjnonswg4tfoqwwwzlz', /^is base32 of text that is guessable/ ],
    [ 'NAYTANTBOBYC2Y3PN5VWSZJNNNSXSLLQOJXWI===', /^is base32 of text that is guessable/ ],
    [ 'god yzal eht revo spmuj xof nworb kciuq eht', /^is guessable: read backwards, it is mostly well-known text/ ],
  ]) {
    it(`flags ${JSON.stringify(key.slice(0, 24))}… (${reason.source.slice(1, 60)}) without echoing it (black-box round 30, h106 F2)`, () => {
      const found = describeWeakKey(key, 'h106app') ?? '';
      assert.match(found, reason);
      assert.ok(!/c00k|yek|guvf|cookie|secret|h106|quick|NAYT/i.test(found.replace(/cookie, key, prod/, '')), found);
    });
  }

  it('random keys of every common shape stay clean beside the readings and base32 (black-box round 30, h106 F2)', () => {
    // 200 keys of each shape from a fixed seed, so the test is the same every run. Measured with crypto's random bytes:
    // none of 50,000 keys of each shape was refused, and none of 1,000,000 16-byte hex or 32-character base32 keys had a
    // reading other than as written that is two fifths words (the share such a reading needs).
    const seeded = (shape: string, index: number, length: number) => Buffer.concat([ 0, 1 ].map(half => createHash('sha512').update(`${shape} ${index} ${half}`).digest())).subarray(0, length);
    const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    const PRINTABLE = Array.from({ length: 94 }, (_, code) => String.fromCharCode(33 + code)).filter(char => char !== ',').join('');
    const { words } = passphraseWordList();
    const diceware = (seed: string, count: number) => Array.from({ length: count }, (_, at) => words[seeded(seed, at, 4).readUInt32BE() % words.length]);
    const uuid4 = (bytes: Buffer) => {
      bytes[6] = bytes[6] & 0x0f | 0x40;
      bytes[8] = bytes[8] & 0x3f | 0x80;
      const hex = bytes.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    };
    const shapes: Record<string, (index: number) => string> = {
      'openssl rand -hex 16': index => seeded('hex16', index, 16).toString('hex'),
      'openssl rand -hex 32': index => seeded('hex32', index, 32).toString('hex'),
      'openssl rand -base64 32': index => seeded('b64-32', index, 32).toString('base64'),
      'openssl rand -base64 48': index => seeded('b64-48', index, 48).toString('base64'),
      'a version-4 UUID': index => uuid4(seeded('uuid', index, 16)),
      '24 bytes in base64url': index => seeded('b64url-24', index, 24).toString('base64url'),
      'egg-sentinel keygen (32 bytes, base64url)': index => seeded('keygen', index, 32).toString('base64url'),
      'a TOTP secret (32 base32 characters)': index => Array.from(seeded('totp', index, 32), byte => BASE32[byte & 31]).join(''),
      'a TOTP secret in lower case': index => Array.from(seeded('totp-lower', index, 32), byte => BASE32[byte & 31]).join('').toLowerCase(),
      // Black-box round 32, h108 F1/F5: ten words of the EFF list (129 bits), and a password manager's characters.
      '10 EFF words joined by -': index => diceware(`words10 ${index}`, 10).join('-'),
      '10 EFF words, capitalized, joined by nothing': index => diceware(`words10c ${index}`, 10).map(word => word[0].toUpperCase() + word.slice(1)).join(''),
      '24 characters of printable ASCII but the comma': index => Array.from(seeded('ascii24', index, 24), byte => PRINTABLE[byte % PRINTABLE.length]).join(''),
      '28 characters of printable ASCII but the comma': index => Array.from(seeded('ascii28', index, 28), byte => PRINTABLE[byte % PRINTABLE.length]).join(''),
    };
    for (const [ shape, make ] of Object.entries(shapes)) {
      for (let index = 0; index < 200; index++) {
        const key = make(index);
        // Random characters of one case only read as text (measured: about 1 in 1,200 of 24, 1 in 5,000 of 28).
        if (/printable/.test(shape) && !(/[a-z]/.test(key) && /[A-Z]/.test(key))) {
          assert.match(describeWeakKey(key, 'h106app') ?? '', /reads as text/, key);
          continue;
        }
        assert.equal(describeWeakKey(key, 'h106app'), undefined, `${shape}: ${key}`);
        // SEN502's floor is 256 bits: the 32-byte and longer shapes carry them.
        if (/32 bytes|-hex 32|-base64 (32|48)/.test(shape)) assert.ok(guessableBits(key, 'h106app').bits >= 256, `${shape}: ${key}`);
      }
    }
    // Black-box round 32, h108 F1: fewer words carry 12.9 bits each, however long they are (8 words: 103 bits).
    for (const count of [ 4, 5, 6, 8 ]) {
      const bits = Math.round(count * Math.log2(7776));
      for (const separator of [ '-', ' ', '' ]) {
        for (let index = 0; index < 200; index++) {
          const key = diceware(`words${count} ${JSON.stringify(separator)} ${index}`, count).join(separator);
          // Under 32 characters, such a key is refused as text before its words are counted.
          assert.match(describeWeakKey(key, 'h106app') ?? '', key.length < 32 ? /reads as text|at most \d+ bits/ : /^is guessable: it is \d+ words of a passphrase word list .* about \d+ bits in all/, key);
          assert.ok(guessableBits(key, 'h106app').bits <= bits, `${count} words: ${key}`);
        }
      }
    }
    // Black-box round 32, h108 F9: the app's name before 16 random bytes in base64url is judged as those bytes alone.
    for (let index = 0; index < 200; index++) {
      const secret = seeded('b64url-16', index, 16).toString('base64url');
      const alone = describeWeakKey(secret, 'h106app');
      assert.equal(describeWeakKey(`h106app_${secret}`, 'h106app'), alone && `is the app's name and a secret that ${alone}`, secret);
    }
  });

  it('a key that encodes strong text is judged by that text, its length aside', () => {
    assert.equal(describeWeakKey(Buffer.from('A7#kL9$mQ2@xR5!wZ8^pN3&vT6*yB1%c').toString('base64')), undefined);
    assert.equal(describeWeakKey(Buffer.from('Boot-Wq3Lm8Zt2Xv7Kc4Rp9Nb5Hd1Ys6Jf').toString('base64url')), undefined);
  });

  it('a long random number is no weaker than its digits: 40 random digits pass, 36 do not', () => {
    const digits = (count: number) => Array.from(randomBytes(count), byte => String(byte % 10)).join('');
    assert.equal(describeWeakKey(digits(45)), undefined);
    assert.match(describeWeakKey(digits(36)) ?? '', /guessable: .* bits/);
  });

  it('random keys and generated passphrases stay strong beside the new checks', () => {
    for (let index = 0; index < 2000; index++) {
      for (const key of [ randomUUID(), randomBytes(32).toString('hex'), randomBytes(32).toString('base64'), randomBytes(32).toString('base64url') ]) {
        assert.equal(describeWeakKey(key, 'shop'), undefined, key);
      }
    }
    // Ten words from the EFF diceware list (129 bits), as a passphrase generator joins them; six carry 78 bits
    // (black-box round 32, h108 F1).
    for (const phrase of [ 'jigsaw-pellet-oxidize-gravel-lantern-humid-clarity-pajamas-egotistic-suspense', 'Unwed Crumpet Backspin Gumball Sequel Ravage Grew Harbor Pushchair Disallow',
      'spearfish.outhouse.vending.clasp.thicket.mangy.ascertain.crabbing.t-shirt.yo-yo', 'handball_unsaid_glitch_ferment_overdue_smugness_abacus_drop-down_felt-tip_zoom' ]) {
      assert.equal(describeWeakKey(phrase, 'shop'), undefined, phrase);
      const six = phrase.split(/[ ._-]/).slice(0, 6).join(phrase.includes('-') ? '-' : ' ');
      assert.match(describeWeakKey(six, 'shop') ?? '', /^is guessable: it is 6 words of a passphrase word list \(the EFF's, which diceware draws from: 12\.9 bits a word, whatever its length\), which carry about 78 bits in all \(at least 128 needed\)$/, six);
    }
    const facts = fakeFacts({ config: { keys: `${randomBytes(32).toString('base64')}, ${randomUUID()}` } });
    assert.deepEqual(weakCookieKeys.check(facts, { developmentEnv: false }), []);
  });

  it('16 random bytes in hex, which sit on the 128-bit floor, are refused about once in a million, and only as a number or for their letter counts', () => {
    // Measured: 1 of 2,000,000 refused for its letter counts; all digits, (10/16)^32, reads as a 32-digit number (106 bits).
    const refused: string[] = [];
    for (let index = 0; index < 20000; index++) {
      const key = randomBytes(16).toString('hex');
      const weakness = describeWeakKey(key, 'keyapp');
      if (weakness === undefined) continue;
      refused.push(key);
      assert.ok(/^\d+$/.test(key) ? /bits of entropy/.test(weakness) : bitsPerChar(key) * 1.45 < 4, `${key} ${weakness}`);
    }
    assert.ok(refused.length <= 1, refused.join(', '));
  });

  it('a random key\'s chance runs and repeats are not read as patterns (a CI run refused one)', () => {
    // Refused before: `67890` and a repeated `9f671`; `12345` and `99999` (each cost under 24 of its 128 bits).
    for (const key of [ 'b59f67178ddc90daa2a49f671d678901', 'f4b7c84ad78f44812345e3c98d999995' ]) {
      assert.equal(describeWeakKey(key, 'keyapp'), undefined, key);
    }
    // A chance shortfall in letter counts stays refused: that cap is what keeps words from passing for a random key.
    assert.match(describeWeakKey('6676506e04e6560e046e6463e44ee159', 'keyapp') ?? '', /126 bits/);
  });

  it('random printable keys holding `${…}` by chance are no templates (black-box round 40, h1 F1)', () => {
    for (const key of [ 'f*C0xt=D)2B|${)VDYNOLrSgz%>iKM;S9gh0SJ1V}uw#J+f(', 'w8_\'A^.M72${cD&JO8nVaJ:uo78}gi|<', '8oo"irF?&j2qT*${x\'wyGVRaa6tmoqA{]x}Yb[K.' ]) {
      assert.equal(describeWeakKey(key, 'keyapp'), undefined, key);
    }
  });

  it('a random key holding the app\'s name or a word stays strong', () => {
    assert.equal(describeWeakKey('shop-api-Wq3Lm8Zt2Xv7Kc4Rp9Nb5Hd1Ys6Jf0Ga', 'shop-api'), undefined);
    assert.equal(describeWeakKey('x7Rk2-strong-fixture-key-9aQmZ4bLw8NcY3tVe6Hj'), undefined);
    // 16 random bytes whose letters spell `my`, `jwt` and `koa` in mixed case (`qmYLjWtGCkOA`), as no one writes a word:
    // refused in a CI run as "38 % of it is the app's name and words keys are made of".
    assert.equal(describeWeakKey('+RPDt0FxqmYLjWtGCkOAwA==', 'keyapp'), undefined);
    assert.match(describeWeakKey('+RPDt0FxqmyLjwtGCkoaWA==', 'keyapp') ?? '', /38 % of it is the app's name and words keys are made of/);
  });

  it('random characters with symbols (a password manager\'s) pass from 24 characters like base64; such text stays refused (black-box round 32, h108 F5)', () => {
    // The report's 28-character key (181 bits), and 20 characters (129 bits: on the floor, refused as runs about 4 in 100).
    for (const key of [ '@UrKV(6l<iPmwA}>VO_;war%6~>2', 'k#8Vq!2mZ@x5Lp&9Rw^3', 'T7$bN^q2Lw!9zR@c4Xv&8mK#' ]) assert.equal(describeWeakKey(key, 'h106app'), undefined, key);
    for (const [ key, why ] of <Array<[ string, RegExp ]>> [
      [ 'Summer2024!Vacation#Beach', /reads as text/ ],
      [ 'Purple-Elephant-Dancing-42!', /reads as text/ ],
      [ 'Welcome@2024#Company!', /reads as text/ ],
      [ 'qwerty!@#$QWERTY123456', /reads as text/ ],
      [ 'ACME_Corp#2024!Prod#Keys', /mostly the app's name and words/ ],
      [ 'P@ssw0rd!2024Secure#Key', /with its leetspeak undone, it is mostly the app's name and words/ ],
      [ 'Th1s!sMyK3y4Pr0d#2024', /with its leetspeak undone, it is mostly the app's name and words/ ],
    ]) {
      assert.match(describeWeakKey(key, 'h106app') ?? '', why, key);
    }
  });

  it('the app\'s name before or after a random key takes nothing from it; words make up "most" of a key only when they do (black-box round 32, h108 F9)', () => {
    for (const key of [ 'order-service_AYoFvjVtB-Uh7iRV7Lj3qA', 'order-service-_cYHnvF6n1EWOSNvQmu2SQ', 'my-company-order-service-backend_bjveJBchs16VHBoaegKeyA', 'AYoFvjVtB-Uh7iRV7Lj3qA.orderservice' ]) {
      assert.equal(describeWeakKey(key, 'order-service'), undefined, key);
    }
    assert.match(describeWeakKey('order-service_prod_Tq9Zk4Lm', 'order-service') ?? '', /^is the app's name and a secret that is 8 characters long: even random, 8 such characters carry at most 48 bits/);
    assert.match(describeWeakKey('prod-cookie-key-x7Rk29aQmZ4bLwY', 'order-service') ?? '', /^is guessable: 46 % of it is the app's name and words keys are made of .* beside which about \d+ bits remain/);
    assert.match(guessableBits('cookie-secret-key-aB3dE6gH9jK2mN5pQ8', 'order-service').weakness ?? '', /^45 % of it is the app's name and words keys are made of/);
  });

  it('a guessable digest in a key counts for nothing: what stands beside it is judged alone (black-box round 34, h110 F1)', () => {
    const md5Name = digest('md5', 'h110-base');
    for (const key of [ `prod-${md5Name}`, `vm-${md5Name}`, `${md5Name}.v2`, md5Name + digest('md5', 'h110-base1'), `${digest('sha256', 'password123', 'base64')}:prod` ]) {
      const reason = describeWeakKey(key, 'h110-base') ?? '';
      assert.match(reason, /^holds the MD5\/SHA digest of a guessable word \(a placeholder, a common password or the app's name\), and beside it text that /, key);
      assert.ok(!reason.includes('h110-base') && !reason.includes(md5Name), reason);
      assert.ok(guessableBits(key, 'h110-base').bits < 128, key);
    }
    // Beside a random key, it takes nothing from it; random hex and base64 keys do not hold one by chance.
    for (const key of [ `${md5Name}-${randomBytes(32).toString('base64url')}`, md5Name + randomBytes(32).toString('hex'), `${randomBytes(24).toString('base64')}.${md5Name}` ]) {
      assert.equal(describeWeakKey(key, 'h110-base'), undefined, key);
    }
  });

  it('keyboard walks down the columns, zigzags and snakes, shift held or not, are guessable (black-box round 34, h110 F1)', () => {
    for (const walk of [ '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p', 'qazwsxedcrfvtgbyhnujmikolpQAZWSXEDC', 'zaq12wsxcde34rfvbgt56yhnmju78ik,.lo90p',
      '!QAZ@WSX#EDC$RFV%TGB^YHN&UJM*IK<(OL>)P:?', '1q2w3e4r5t6y7u8i9o0p1q2w3e4r5t6y7u8i9o0p' ]) {
      assert.match(describeWeakKey(walk, 'h110-base') ?? '', /^is guessable: its runs, repeats and words leave about \d+ bits of entropy \(at least 128 needed\)$/, walk);
      assert.ok(guessableBits(walk, 'h110-base').bits < 128, walk);
    }
  });

  it('keys documentation prints as examples are well-known text (black-box round 34, h110 F1)', () => {
    for (const key of [ 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
      'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow' ]) {
      const reason = describeWeakKey(key, 'h110-base') ?? '';
      assert.match(reason, /^is guessable: it is mostly well-known text \(.* or a key documentation prints as an example\), beside which about 0 bits remain/, key);
      assert.ok(!reason.includes(key.slice(0, 8)), reason);
      assert.equal(guessableBits(key, 'h110-base').bits, 0, key);
    }
  });

  it('a digest of the app\'s name is weak only for that app', () => {
    assert.equal(describeWeakKey(digest('sha256', 'my-shop'), 'other-app'), undefined);
  });

  it('16 random bytes in base64url (22 characters) or base64 (24) carry 128 bits and pass; about one in a thousand is refused, as text or for its letter counts (black-box round 25, h74 F12)', () => {
    const refused: string[] = [];
    for (let index = 0; index < 20000; index++) {
      const key = randomBytes(16).toString(index % 2 ? 'base64' : 'base64url');
      const weakness = describeWeakKey(key, 'keyapp');
      if (weakness === undefined) continue;
      refused.push(key);
      // Runs and repeats leave 90–129 bits (109 seen once: CwLWpOLRLXpRLuLBL7RCRw).
      // Or, read backwards, in ROT13 or with leetspeak undone, two fifths words (black-box round 30, h106 F2): measured,
      // 1 of 1,000,000 base64 keys and none of 1,000,000 base64url ones. Or short words of the passphrase list and
      // KEY_WORDS over most of it (AkDEVTkFax1QwMy7CK1QHQ, seen once in CI; none of 200,000 keys measured by hand).
      assert.match(weakness, /^is 2[24] characters long and reads as text|^is guessable: its runs, repeats and words leave about (?:9\d|1[0-2]\d) bits|^is guessable: (?:read backwards|in ROT13|with its leetspeak undone)|^is guessable: it is mostly \d words of a passphrase word list/, `${key} ${weakness}`);
    }
    // Measured: 110 of 100,000 base64url keys and 57 of 100,000 base64 ones.
    assert.ok(refused.length <= 60, `${refused.length}: ${refused.slice(0, 5).join(', ')}`);
  });

  const strong = [
    'Qm9vdC1zZWN1cmUtZml4dHVyZS1rZXktN3hQcTJ3Rk',
    // 16 random bytes in base64url and base64, 18 in base64 (black-box round 25, h74 F12).
    'P4j94U4tB3AEI0XyHHDAyA',
    'LHosHkf2pjNP8ka_RMLY4w',
    'SJyADaCvDAo7xoz4ph5qKw==',
    'Xp1/mZum9HlggGmNMPiWlQ==',
    '3f9a1c0e7b2d4f6a8c1e3b5d7f9a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a',
    'x7Rk2-strong-fixture-key-9aQmZ4bLw8NcY3tVe6Hj',
    // 16 random bytes in hex: the least a generated key carries.
    'ebf9a0bb658b37b5f866ca5a80887599',
  ];
  for (const key of strong) {
    it(`accepts a random ${key.length}-character key`, () => assert.equal(describeWeakKey(key), undefined));
  }

  it('keys read from the environment: the variable\'s value is what is weak, and the fix says to set it', () => {
    const facts = fakeFacts({ config: { keys: 'password123' }, runtime: { environmentValues: new Set([ 'password123' ]) } });
    const [ hit ] = weakCookieKeys.check(facts, { developmentEnv: false });
    assert.match(hit.message, /the keys come from an environment variable the config reads, and it is that value that is weak/);
    assert.match(hit.fix ?? '', /^Set that variable to a generated key: `node -e/);
    assert.ok(!hit.message.includes('password123'));
    // One value with a comma in it (a password manager's key): egg split it, and the message says so (black-box round 40, h1 F8).
    const key = "2wt[@,{7OAx]y.{G&e]A4'CPq9#Lz!Xv0Tm";
    const [ split ] = weakCookieKeys.check(fakeFacts({ config: { keys: key }, runtime: { environmentValues: new Set([ key ]) } }), { developmentEnv: false });
    assert.match(split.message, /^config\.keys: key #1 is 5 characters long.*; egg splits config\.keys at commas, and this variable's value became 2 keys$/);
    assert.match(split.fix ?? '', /^Set that variable to a generated key without commas \(base64url or hex\): /);
    assert.ok(!split.message.includes(key));
  });

  it('checks each comma-separated key and never echoes a key', () => {
    const facts = fakeFacts({ config: { keys: 'Qm9vdC1zZWN1cmUtZml4dHVyZS1rZXktN3hQcTJ3Rk,app_1700000000000_12' } });
    const [ hit ] = weakCookieKeys.check(facts, { developmentEnv: false });
    assert.equal(hit.severity, 'critical');
    assert.match(hit.message, /key #2 has the scaffold form/);
    assert.ok(!hit.message.includes('1700000000000'));
  });

  it('rates the same problem low on a developer machine', () => {
    const [ hit ] = weakCookieKeys.check(fakeFacts({ config: { keys: '' } }), { developmentEnv: true });
    assert.equal(hit.severity, 'low');
  });

  it('reports a non-string config.keys', () => {
    const [ hit ] = weakCookieKeys.check(fakeFacts({ config: { keys: [ 'a' ] } }), { developmentEnv: false });
    assert.match(hit.message, /must be a comma-separated string, got object/);
  });
});

describe('SEN301 unsafe server env', () => {
  const check = (sources: Array<{ kind: 'env' | 'scope'; source: string; value: string }>, serverEnv = 'prod', serverScope = '') =>
    unsafeServerEnv.check(fakeFacts({ env: { serverEnv, serverScope, sources } }), { developmentEnv: false });

  it('accepts ordinary names', () => {
    assert.deepEqual(check([{ kind: 'env', source: 'EGG_SERVER_ENV', value: 'prod' }, { kind: 'scope', source: 'EGG_SERVER_SCOPE', value: 'aliyun_cn-1' }]), []);
  });

  for (const value of [ '/../../../tmp/x', '..', 'prod/x', 'prod\\x', 'prod x', 'prod.js', 'prod\u0000' ]) {
    it(`refuses ${JSON.stringify(value)} as critical, naming its source`, () => {
      const [ hit ] = check([{ kind: 'env', source: 'EGG_SERVER_ENV', value }]);
      assert.equal(hit.severity, 'critical');
      assert.equal(hit.target, 'serverEnv');
      assert.equal(hit.source, 'EGG_SERVER_ENV');
    });
  }

  it('checks the scope and the effective values from a custom loader', () => {
    const hits = check([{ kind: 'scope', source: 'EGG_SERVER_SCOPE', value: '../x' }], '../y', '../x');
    assert.deepEqual(hits.map(hit => [ hit.target, hit.source ]), [[ 'serverScope', 'EGG_SERVER_SCOPE' ], [ 'serverEnv', 'egg loader' ]]);
  });
});

describe('SEN301 reports one value once', () => {
  it('joins the sources of the same unsafe value (egg-cluster copies EGG_SERVER_ENV into options.env)', () => {
    const facts = fakeFacts({ env: { sources: [
      { kind: 'env', source: 'options.env', value: '../x' },
      { kind: 'env', source: 'EGG_SERVER_ENV', value: '../x' },
    ] } });
    const hits = unsafeServerEnv.check(facts, { developmentEnv: false });
    assert.equal(hits.length, 1);
    assert.match(hits[0].message, /from options\.env and EGG_SERVER_ENV/);
  });
});

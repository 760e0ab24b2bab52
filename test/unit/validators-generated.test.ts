import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';

// CommonJS script shared with `npm run schemas`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generate, OUTPUT_DIR } = require('../../scripts/compile-schemas.js') as { generate(): Record<string, string>; OUTPUT_DIR: string };

describe('lib/validators/*.generated.ts (ajv standalone code for the shipped schemas)', () => {
  it('are what scripts/compile-schemas.js generates from the current schemas (run `npm run schemas` after editing one)', () => {
    const expected = generate();
    const present = fs.readdirSync(OUTPUT_DIR).filter(name => name.endsWith('.generated.ts')).map(name => path.join(OUTPUT_DIR, name));
    assert.deepEqual(present.sort(), Object.keys(expected).sort(), 'generated modules present vs expected: run `npm run schemas`');
    for (const [ file, content ] of Object.entries(expected)) {
      assert.equal(fs.readFileSync(file, 'utf8'), content, `${path.relative(process.cwd(), file)} is out of date: run \`npm run schemas\``);
    }
  });
});

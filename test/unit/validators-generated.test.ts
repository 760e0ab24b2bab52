import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';

// CommonJS script shared with `npm run schemas`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generate, OUTPUT } = require('../../scripts/compile-schemas.js') as { generate(): string; OUTPUT: string };

describe('lib/validators.generated.ts (ajv standalone code for the shipped schemas)', () => {
  it('is what scripts/compile-schemas.js generates from the current schemas (run `npm run schemas` after editing one)', () => {
    assert.equal(fs.readFileSync(OUTPUT, 'utf8'), generate(), `${path.relative(process.cwd(), OUTPUT)} is out of date: run \`npm run schemas\``);
  });
});

/** The shipped JSON schemas, compiled ahead of time (scripts/compile-schemas.js): no ajv compilation at boot. */
import type { ValidateFunction } from 'ajv';
import * as generated from './validators.generated';

export const validators = generated as unknown as Readonly<Record<keyof typeof generated, ValidateFunction>>;

/** Validators for what egg-sentinel writes: its own report schema, and the official SARIF 2.1.0 schema. */
import fs from 'node:fs';
import Ajv, { type ErrorObject } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import reportSchema from '../../lib/report/report.schema.json';

// The OASIS schema (sarif-2.1.0-rtm.5, what GitHub and schemastore use), as shipped by Microsoft's @microsoft/jest-sarif.
const SARIF_SCHEMA = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

const reportAjv = new Ajv({ allErrors: true, strict: true });
addFormats(reportAjv);
const reportValidator = reportAjv.compile(reportSchema);

// The SARIF schema is draft-04; one of its patterns has a stray `]` that only non-unicode RegExps accept.
const sarifAjv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(sarifAjv);
const sarifValidator = sarifAjv.compile(JSON.parse(fs.readFileSync(SARIF_SCHEMA, 'utf8')));

export type Validation = { valid: true } | { valid: false; errors: string };

function outcome(valid: boolean, errors: ErrorObject[] | null | undefined): Validation {
  return valid ? { valid } : { valid, errors: JSON.stringify(errors?.slice(0, 5), null, 1) };
}

export function validateReport(value: unknown): Validation {
  return outcome(reportValidator(value), reportValidator.errors);
}

export function validateSarif(value: unknown): Validation {
  return outcome(sarifValidator(value), sarifValidator.errors);
}

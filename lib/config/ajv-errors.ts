import type { ErrorObject } from 'ajv';

/**
 * ajv's errors with each `anyOf` error given the errors of its branches, which explain it and are not reported on their
 * own: one entry per problem to report.
 */
export function groupAnyOfBranches(errors: readonly ErrorObject[]): Array<{ error: ErrorObject; branches: ErrorObject[] }> {
  const anyOfOf = (error: ErrorObject) => errors.find(other => other !== error && other.keyword === 'anyOf' && error.schemaPath.startsWith(`${other.schemaPath}/`));
  return errors.filter(error => !anyOfOf(error)).map(error => ({ error, branches: errors.filter(other => anyOfOf(other) === error) }));
}

/**
 * Conditions of the app's guards, compiled from their text to be asked of sample requests (middleware.ts: pathPicked,
 * unconfiguredPass), run in a V8 context of their own (review of round 42, h6 #1): it has no `process`, `require`
 * or host objects, its `Function` and `eval` refuse code from strings, and what a condition reads is a copy made
 * there from JSON, so no property chain (`.constructor.constructor`) leads back to this process.
 */
import vm from 'node:vm';

let context: vm.Context | undefined;

/**
 * `expression` over `parameter`, which is `JSON.parse` of the text the returned function is given (shaped by
 * `shape`, an expression over `input` run in the same context); undefined when the text does not compile.
 */
export function sandboxedCondition(parameter: string, shape: string, expression: string): ((json: string) => unknown) | undefined {
  context ??= vm.createContext(Object.create(null), { codeGeneration: { strings: false, wasm: false } });
  try {
    return vm.runInContext(`(function (json) { "use strict"; const input = JSON.parse(json); const ${parameter} = ${shape}; return (${expression}); })`,
      context, { timeout: 1000 }) as (json: string) => unknown;
  } catch {
    return undefined;
  }
}

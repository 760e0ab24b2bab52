/**
 * Properties of `config.sentinel` validation (lib/config/validate.ts), which runs in every process at boot: any value
 * gets a verdict (the config or a SentinelConfigError, never another exception), every valid config is accepted,
 * and one unknown key or one wrong type anywhere is refused with a message naming that key.
 */
import assert from 'node:assert';
import fc from 'fast-check';
import { SentinelConfigError, validateSentinelConfig } from '../../lib/config/validate';
import { RULE_IDS } from '../../lib/rules';

/** The verdict: the validated config, or the refusal's problems; any other exception fails the property. */
function verdict(value: unknown): { config?: unknown; problems?: string[] } {
  try {
    return { config: validateSentinelConfig(value, RULE_IDS) };
  } catch (error) {
    if (!(error instanceof SentinelConfigError)) throw new Error(`validation threw ${(error as Error)?.name}: ${(error as Error)?.message}`);
    return { problems: error.problems };
  }
}

const date = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2999-12-31T00:00:00Z'), noInvalidDate: true }).map(d => d.toISOString().slice(0, 10));
const text = (minLength: number) => fc.string({ minLength, maxLength: 12 });
/** A reason in words: not blank. */
const reason = text(3).filter(value => /\S/.test(value));
/** Every rule but SEN001/SEN002, which report on the waivers themselves: neither waived nor overridden. */
const waivableRule = fc.constantFrom(...[ ...RULE_IDS ].filter(id => id !== 'SEN001' && id !== 'SEN002'));
const middlewareName = fc.stringMatching(/^[A-Za-z_$][\w$]{0,6}$/);
const selector = fc.oneof(middlewareName, fc.constantFrom('*core', '*app'));
const namePattern = fc.stringMatching(/^[A-Za-z0-9@/._~*?-]{1,10}$/);
/** Route patterns as the schema and policy allow them: "**", or "/" segments where ** stands alone. */
const routePattern = fc.oneof(
  fc.constant('**'),
  fc.array(fc.oneof(fc.constant('**'), fc.stringMatching(/^[a-z0-9:*.()_-]{0,6}$/).filter(segment => !segment.includes('**'))), { maxLength: 4 })
    .map(segments => `/${segments.join('/')}`),
);
const optional = <T>(record: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(record, { requiredKeys: [] });

/** Any config.sentinel the README documents as valid. */
const validConfig = optional({
  failOn: fc.constantFrom('auto', 'critical', 'high', 'medium', 'low', 'never'),
  rules: fc.dictionary(waivableRule, fc.constantFrom('off', 'critical', 'high', 'medium', 'low'), { maxKeys: 4 }),
  waivers: fc.array(fc.record({ rule: waivableRule, target: text(1), reason, expires: date }, { requiredKeys: [ 'rule', 'reason', 'expires' ] }), { maxLength: 3 }),
  ipc: optional({
    mode: fc.constantFrom('enforce', 'report', 'off'),
    secret: text(1),
    previousSecrets: fc.array(fc.record({ secret: text(1), until: fc.oneof(date, date.map(day => `${day}T12:30:00Z`)) }), { maxLength: 2 }),
    encrypt: fc.oneof(fc.boolean(), fc.array(text(1), { maxLength: 3 })),
    maxAgeMs: fc.integer({ min: 1000, max: 600_000 }),
    logLinesPerMinute: fc.integer({ min: 0, max: 10_000 }),
    clusterClient: fc.constantFrom('on', 'off'),
  // A previous secret equal to the current one is refused: nothing would be rotated out.
  }).filter(ipc => !(ipc.previousSecrets ?? []).some(previous => previous.secret === ipc.secret)),
  middleware: optional({
    required: fc.uniqueArray(middlewareName, { maxLength: 3 }),
    order: fc.array(fc.tuple(middlewareName, fc.array(selector, { minLength: 1, maxLength: 3 }), fc.array(selector, { minLength: 1, maxLength: 3 }), fc.nat({ max: 2 }))
      .map(([ name, before, after, sides ]) => ({
        name,
        ...(sides !== 1 ? { before: before.filter(entry => entry !== name).concat('*app') } : {}),
        ...(sides !== 0 ? { after: after.filter(entry => entry !== name).concat('*core') } : {}),
      })), { maxLength: 3 }),
  }),
  routes: optional({
    protect: fc.array(fc.record({ paths: fc.array(routePattern, { minLength: 1, maxLength: 3 }), by: fc.array(middlewareName, { minLength: 1, maxLength: 2 }) }), { maxLength: 3 }),
    public: fc.array(fc.tuple(fc.oneof(routePattern, fc.array(routePattern, { minLength: 1, maxLength: 2 })), fc.uniqueArray(fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'), { maxLength: 3 }), reason)
      .map(([ where, methods, reason ]) => ({ ...(Array.isArray(where) ? { paths: where } : { path: where }), ...(methods.length ? { methods } : {}), reason })), { maxLength: 3 }),
  }),
  schemas: fc.dictionary(fc.stringMatching(/^[a-z]{1,5}(\.[a-z]{1,5}){0,2}$/), fc.constantFrom<object | boolean>(true, { type: 'object' }, { type: 'string', minLength: 1 }, { required: [ 'host' ] }), { maxKeys: 2 }),
  paths: optional({ allow: fc.array(text(1), { maxLength: 2 }) }),
  plugins: optional({
    localRoots: fc.array(text(1), { maxLength: 2 }), requireManifest: fc.boolean(), deep: fc.boolean(),
    allowScripts: fc.array(namePattern, { maxLength: 2 }), allow: fc.array(namePattern, { maxLength: 2 }), deny: fc.array(namePattern, { maxLength: 2 }),
  }),
  dumps: optional({ rewrite: fc.boolean() }),
  https: fc.boolean(),
  advisories: optional({ file: text(1) }),
  report: optional({ log: fc.boolean(), file: fc.boolean(), path: fc.string({ maxLength: 12 }) }),
});

/** Key paths (as messages write them) of the objects that take no keys but their own. */
function closedObjects(config: Record<string, unknown>): Array<{ path: string; node: Record<string, unknown> }> {
  const found = [{ path: 'config.sentinel', node: config }];
  const visit = (value: unknown, path: string) => {
    if (Array.isArray(value)) value.forEach((item, index) => visit(item, `${path}[${index}]`));
    else if (value && typeof value === 'object') {
      found.push({ path, node: value as Record<string, unknown> });
      for (const [ key, child ] of Object.entries(value)) visit(child, `${path}.${key}`);
    }
  };
  // rules and schemas are maps with keys of the user's choosing; encrypt may be a list of action names.
  for (const [ key, value ] of Object.entries(config)) if (key !== 'rules' && key !== 'schemas') visit(value, `config.sentinel.${key}`);
  return found.filter(({ path }) => !/\.encrypt$/.test(path));
}

/** Key paths of the scalar settings (booleans, strings, numbers, enums) in a config. */
function leaves(config: Record<string, unknown>): Array<{ path: string; parent: Record<string, unknown> | unknown[]; key: string | number }> {
  const found: Array<{ path: string; parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const visit = (parent: Record<string, unknown> | unknown[], key: string | number, path: string) => {
    const value = (parent as Record<string | number, unknown>)[key];
    if (Array.isArray(value)) value.forEach((_item, index) => visit(value, index, `${path}[${index}]`));
    else if (value && typeof value === 'object') for (const child of Object.keys(value)) visit(value as Record<string, unknown>, child, `${path}.${child}`);
    else found.push({ path, parent, key });
  };
  for (const key of Object.keys(config)) if (key !== 'schemas') visit(config, key, `config.sentinel.${key}`);
  return found;
}

describe('property: config.sentinel validation', () => {
  it('accepts every documented valid config and returns it unchanged', () => {
    fc.assert(fc.property(validConfig, config => {
      const result = verdict(config);
      assert.deepEqual(result.problems, undefined);
      assert.equal(result.config, config);
    }), { numRuns: 1500 });
  });

  it('refuses one unknown key anywhere, naming its key path', () => {
    fc.assert(fc.property(validConfig, fc.nat(), fc.stringMatching(/^[a-z]{1,8}$/), (config, which, suffix) => {
      const targets = closedObjects(config);
      const { path, node } = targets[which % targets.length];
      const key = `zz${suffix}`;
      node[key] = true;
      const { problems } = verdict(config);
      assert.ok(problems?.some(problem => problem.startsWith(`${path}.${key}: unknown option`)), `${path}.${key}: ${JSON.stringify(problems)}`);
    }), { numRuns: 1500 });
  });

  it('refuses one wrongly typed setting anywhere, naming its key path', () => {
    fc.assert(fc.property(validConfig, fc.nat(), fc.constantFrom<unknown>({}, [], null, 12.5, 'text-that-fits-no-enum', true), (config, which, wrong) => {
      const candidates = leaves(config).filter(leaf => typeof (leaf.parent as Record<string | number, unknown>)[leaf.key] !== typeof wrong || wrong === null);
      fc.pre(candidates.length > 0);
      const { path, parent, key } = candidates[which % candidates.length];
      (parent as Record<string | number, unknown>)[key] = wrong;
      // A string where a free-text string is allowed is still valid; everything else must be refused by name.
      const { problems } = verdict(config);
      fc.pre(problems !== undefined);
      assert.ok(problems.some(problem => problem.startsWith(`${path}: `) || problem.startsWith(`${path.replace(/\[\d+\]$/, '')}: `)), `${path}: ${JSON.stringify(problems)}`);
    }), { numRuns: 1500 });
  });

  it('gives any other value a verdict: the config, or a SentinelConfigError whose every line names a config.sentinel key', () => {
    const keys = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'failOn', 'rules', 'waivers', 'ipc', 'report', 'routes', 'middleware', 'schemas', 'SEN201', 'mode', 'path'));
    const anything = fc.anything({
      key: keys, maxDepth: 4, withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true,
      withNullPrototype: true, withObjectString: true, withTypedArray: true, withSparseArray: true, withUnicodeString: true,
    });
    // Values close to a config: the known top-level keys holding anything.
    const nearConfig = fc.dictionary(fc.constantFrom('failOn', 'rules', 'waivers', 'ipc', 'middleware', 'routes', 'schemas', 'report', 'plugins', 'paths'), anything, { maxKeys: 3 });
    fc.assert(fc.property(fc.oneof(anything, nearConfig), value => {
      const result = verdict(value);
      if (result.problems) {
        assert.ok(result.problems.length > 0);
        for (const problem of result.problems) assert.match(problem, /^config\.sentinel[.[:]/);
      }
    }), { numRuns: 3000 });
  });

  it('refuses values JSON cannot show (BigInt, a cycle, a function) with the key and their type', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const [ value, shown ] of [ [ 10n, 'bigint' ], [ cycle, 'object' ], [ () => 'high', 'function' ] ] as const) {
      assert.deepEqual(verdict({ failOn: value, ipc: { mode: value } }).problems, [
        `config.sentinel.failOn: ${shown} is not allowed; use one of "auto", "critical", "high", "medium", "low", "never"`,
        `config.sentinel.ipc.mode: ${shown} is not allowed; use one of "enforce", "report", "off"`,
      ]);
    }
  });

  it('accepts nothing the boot code could trip on: rules and waivers name known rules, waivers expire on real dates', () => {
    const maybeValid = fc.oneof(validConfig, fc.record({ rules: fc.dictionary(fc.stringMatching(/^SEN\d{3}$/), fc.constant('off')), waivers: fc.array(fc.record({ rule: fc.stringMatching(/^SEN\d{3}$/), reason: text(3), expires: fc.stringMatching(/^\d{4}-\d{2}-\d{2}$/) })) }));
    fc.assert(fc.property(maybeValid, value => {
      const config = verdict(value).config as { rules?: Record<string, string>; waivers?: Array<{ rule: string; expires: string }> } | undefined;
      if (!config) return;
      for (const id of Object.keys(config.rules ?? {})) assert.ok(RULE_IDS.has(id), id);
      for (const waiver of config.waivers ?? []) {
        assert.ok(RULE_IDS.has(waiver.rule), waiver.rule);
        assert.equal(new Date(`${waiver.expires}T00:00:00Z`).toISOString().slice(0, 10), waiver.expires);
      }
    }), { numRuns: 1500 });
  });
});

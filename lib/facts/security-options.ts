/**
 * What the app's own code writes into egg-security's per-request options, `ctx.securityOptions`: egg-security's header
 * middleware (xframe, nosniff, noopen, hsts, csp, xssProtection and `refererPolicy`, spelt so) merge
 * `ctx.securityOptions.<name>` over `config.security.<name>` at every response and skip the header when the merged
 * `enable` is falsy, so code that writes it switches a protection off for the requests it picks, after every check of
 * the config. Read from the source as written (no code is run): the rule decides which of these egg-security honours.
 *
 * The forms found, on `ctx.securityOptions`, `this.ctx.securityOptions`, a destructured `securityOptions` or a local
 * name given it (`const options = ctx.securityOptions`), with `.name` or `['name']`:
 * - `securityOptions.xframe = { …, enable: false }` (`=`, `||=`, `??=`; the literal's own last `enable` counts),
 * - `securityOptions.xframe.enable = false`,
 * - `Object.assign(securityOptions, { xframe: { enable: false } })` and `Object.assign(securityOptions.xframe, { enable: false })`,
 * with any falsy literal (`false`, `0`, `!1`, `null`, `undefined`, `void 0`, `''`), and string `value`s written the same ways.
 * TypeScript's casts and non-null assertions around the reference are seen through (`(ctx.securityOptions as any).xframe`,
 * `securityOptions!.xframe`), and an `enable` that may be falsy for some requests counts as falsy: a conditional with
 * a falsy outcome, `a && b`, `q || false`, `q ?? false`, `!isEmbed`.
 * Not seen: options built elsewhere and assigned (`= offOptions`), computed names (`[name]`). `ctx.securityOptions = {…}`
 * replaces nothing (egg-security defines it as a getter alone) and is not reported.
 */
import type { SecurityOverrideFact } from './types';

/** One write into `ctx.securityOptions.<name>` that does something. */
export interface SecurityOptionWrite {
  /** The key under ctx.securityOptions (`xframe`, `refererPolicy`). */
  name: string;
  /** `off`: `enable` written falsy; `value`: a string literal written as its `value`; `maxAge`, `reportOnly`: see SecurityOverrideFact. */
  effect: 'off' | 'value' | 'maxAge' | 'reportOnly';
  /** The string written, for `value`. */
  value?: string;
  /** The number written, for `maxAge`. */
  seconds?: number;
}

/** The keys of an options object whose write this reads: the switch, the value, hsts's max-age and csp's report-only. */
const READ_KEYS = new Set([ 'enable', 'value', 'maxAge', 'reportOnly' ]);

/**
 * A falsy literal, alone, cast (`false as boolean`) or before the next statement (no semicolon: compactSource keeps
 * one space before its first word); not an operand of `in` or `instanceof`.
 */
const FALSY = /^(?:false|0|-0|0n|!1|null|undefined|void 0|NaN|''|""|``)(?=$| (?!(?:in|instanceof)(?![\w$]))[\w$])/;

/**
 * The source without comments, and with white space dropped except a single space between two word characters (so
 * `const options=`, `void 0`, `false await` keep their words apart). Strings and template text are kept as written.
 */
export function compactSource(source: string): string {
  return compacted(source).text;
}

/** compactSource's text, with where its strings and template literals stand in it ([start, end) each). */
function compacted(source: string): { text: string; strings: Array<[ number, number ]> } {
  const strings: Array<[ number, number ]> = [];
  // Chunks joined once, with the last character and the length kept aside: testing a string built a character at a
  // time flattens it at every test, which made a 400 KB module take most of a minute.
  const chunks: string[] = [];
  let length = 0;
  let last = '';
  let pendingSpace = false;
  const emit = (text: string) => {
    if (pendingSpace && /[\w$]/.test(last) && /^[\w$]/.test(text)) {
      chunks.push(' ');
      length++;
    }
    pendingSpace = false;
    chunks.push(text);
    length += text.length;
    last = text[text.length - 1];
  };
  let i = 0;
  while (i < source.length) {
    const char = source[i];
    const next = source[i + 1];
    if (/\s/.test(char)) {
      pendingSpace = true;
      i++;
    } else if (char === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
      pendingSpace = true;
    } else if (char === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
      pendingSpace = true;
    } else if (char === '\'' || char === '"' || char === '`') {
      const end = quoteEnd(source, i);
      emit(source.slice(i, end));
      strings.push([ length - (end - i), length ]);
      i = end;
    } else if (char === '/' && (last === '' || '(,=:[!&|?{};+-*%<>~^'.includes(last))) {
      // A regular expression literal: skipped whole, so a quote or `//` in it opens nothing.
      let j = i + 1;
      let inClass = false;
      while (j < source.length && source[j] !== '\n' && (inClass || source[j] !== '/')) {
        if (source[j] === '\\') j++;
        else if (source[j] === '[') inClass = true;
        else if (source[j] === ']') inClass = false;
        j++;
      }
      while (j + 1 < source.length && /[a-z]/.test(source[j + 1])) j++;
      emit(source.slice(i, j + 1));
      i = j + 1;
    } else {
      emit(char);
      i++;
    }
  }
  return { text: chunks.join(''), strings };
}

/** The index just past the string or template literal whose quote stands at `start` (the text's end when unclosed). */
function quoteEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== text[start]) i += text[i] === '\\' ? 2 : 1;
  return Math.min(i + 1, text.length);
}

/** The index just past the bracket that closes the one at `start` (`{`, `(` or `[`), skipping strings; -1 when unclosed. */
function closing(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (char === '\'' || char === '"' || char === '`') {
      i = quoteEnd(text, i) - 1;
    } else if (char === '{' || char === '(' || char === '[') {
      depth++;
    } else if (char === '}' || char === ')' || char === ']') {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/** The top-level entries of the object literal `{…}` at `start`: each key (plain, quoted) with the text of its value; spreads left out. */
function literalEntries(text: string, start: number): Array<[ key: string, value: string, at: number ]> | undefined {
  const end = closing(text, start);
  if (end < 0) return undefined;
  const entries: Array<[ string, string, number ]> = [];
  let i = start + 1;
  while (i < end - 1) {
    const entryEnd = valueEnd(text, i, end - 1);
    const entry = text.slice(i, entryEnd);
    const keyed = /^(?:([A-Za-z_$][\w$]*)|(['"`])([\w$-]+)\2):/.exec(entry);
    if (keyed) entries.push([ keyed[1] ?? keyed[3], entry.slice(keyed[0].length), i + keyed[0].length ]);
    i = entryEnd + 1;
  }
  return entries;
}

/** The end of the expression starting at `start`: the first `,`, `;` or closing bracket outside brackets and strings, at most `limit`. */
function valueEnd(text: string, start: number, limit = text.length): number {
  for (let i = start; i < limit; i++) {
    const char = text[i];
    if (char === '\'' || char === '"' || char === '`') {
      i = quoteEnd(text, i) - 1;
    } else if (char === '{' || char === '(' || char === '[') {
      const end = closing(text, i);
      if (end < 0) return limit;
      i = end - 1;
    } else if (char === ',' || char === ';' || char === '}' || char === ')' || char === ']') {
      return i;
    }
  }
  return limit;
}

function stringLiteral(value: string): string | undefined {
  const quoted = /^(['"`])([^'"`\\$]*)\1$/.exec(value);
  return quoted?.[2];
}

/** What an options object literal at `start` does when merged over the config: its own last `enable` and `value`. */
function optionsLiteral(name: string, text: string, start: number): SecurityOptionWrite[] {
  const entries = literalEntries(text, start);
  if (!entries) return [];
  return optionsEntries(name, entries.map(([ key, value ]) => [ key, value ]));
}

function optionsEntries(name: string, entries: Array<[ string, string ]>): SecurityOptionWrite[] {
  const writes: SecurityOptionWrite[] = [];
  const enable = entries.filter(([ key ]) => key === 'enable').pop();
  if (enable && mayBeFalsy(enable[1])) writes.push({ name, effect: 'off' });
  const value = entries.filter(([ key ]) => key === 'value').pop();
  const text = value && stringLiteral(value[1]);
  if (text !== undefined) writes.push({ name, effect: 'value', value: text });
  // `hsts: { maxAge: 0 }` drops HSTS from the browser for the site; `csp: { reportOnly: true }` enforces nothing
  // (black-box round 40, h6 F3). Switched off, they say nothing more.
  if (writes.some(write => write.effect === 'off')) return writes;
  const maxAge = entries.filter(([ key ]) => key === 'maxAge').pop();
  if (name === 'hsts' && maxAge && /^\d+$/.test(maxAge[1])) writes.push({ name, effect: 'maxAge', seconds: Number(maxAge[1]) });
  const reportOnly = entries.filter(([ key ]) => key === 'reportOnly').pop();
  if (name === 'csp' && reportOnly && /^(?:true|!0|1)$/.test(reportOnly[1])) writes.push({ name, effect: 'reportOnly' });
  return writes;
}

/** A falsy literal, or a conditional (`isEmbed ? false : true`) with one among its outcomes: off for the requests it picks. */
function mayBeFalsy(value: string): boolean {
  if (FALSY.test(value)) return true;
  if (value.startsWith('(') && closing(value, 0) === value.length) return mayBeFalsy(value.slice(1, -1));
  const question = conditionalAt(value);
  if (question >= 0) {
    const colon = conditionalElse(value, question + 1);
    return colon >= 0 && (mayBeFalsy(value.slice(question + 1, colon)) || mayBeFalsy(value.slice(colon + 1)));
  }
  // `isProd && true` is falsy wherever its first operand is; `q || false` and `q ?? false` where their last may be.
  const operands = logicalOperands(value);
  if (operands.length > 1) return operands.operator === '&&' || mayBeFalsy(operands[operands.length - 1]);
  // `!isEmbed` is false for the requests it picks (`!0`, `!''` are always true).
  return /^!(?!=)/.test(value) && !/^!(?:0|''|""|``|null|undefined|false|void 0)$/.test(value);
}

/** The operands of a top-level `&&`, `||` or `??` chain (the first such operator found; outside brackets and strings). */
function logicalOperands(value: string): string[] & { operator?: string } {
  const parts: string[] & { operator?: string } = [];
  const isOperator = (token: string, at: number) => {
    const pair = token === '??' ? token : value.slice(at, at + 2);
    return (pair === '&&' || pair === '||' || pair === '??') && (parts.operator ??= pair) === pair;
  };
  let from = 0;
  for (let at = topLevelIndex(value, 0, isOperator); at >= 0; at = topLevelIndex(value, from, isOperator)) {
    parts.push(value.slice(from, at));
    from = at + 2;
  }
  parts.push(value.slice(from));
  return parts;
}

/**
 * The index of the first token from `start` outside brackets and strings that `stop` takes: a character, or `??`
 * (a `?.` is skipped), with its index; -1 when none.
 */
function topLevelIndex(value: string, start: number, stop: (token: string, at: number) => boolean): number {
  for (let i = start; i < value.length; i++) {
    const char = value[i];
    if (char === '\'' || char === '"' || char === '`') {
      i = quoteEnd(value, i) - 1;
    } else if (char === '{' || char === '(' || char === '[') {
      const end = closing(value, i);
      if (end < 0) return -1;
      i = end - 1;
    } else if (char === '?' && value[i + 1] === '?') {
      if (stop('??', i)) return i;
      i++;
    } else if (char === '?' && value[i + 1] === '.' && !/\d/.test(value[i + 2] ?? '')) {
      i++;
    } else if (stop(char, i)) {
      return i;
    }
  }
  return -1;
}

function conditionalAt(value: string): number {
  return topLevelIndex(value, 0, char => char === '?');
}

/** The `:` that ends the consequent of the conditional whose `?` is just before `start`, past nested conditionals; -1 when none. */
function conditionalElse(value: string, start: number): number {
  let open = 0;
  return topLevelIndex(value, start, char => (char === '?' ? (open++, false) : char === ':' && open-- === 0));
}

/** An assignment operator at `at` (`=`, `||=`, `??=`, `&&=`; not `==` or `=>`): the index of its value, else -1. */
function assignedAt(text: string, at: number): number {
  const operator = /^(?:\|\||\?\?|&&)?=(?![=>])/.exec(text.slice(at, at + 4));
  return operator ? at + operator[0].length : -1;
}

/** A property name after an object at `at`: `.name` or `['name']`, with the index past it. */
function propertyAt(text: string, at: number): { name: string; end: number } | undefined {
  // TypeScript's non-null assertion (`options!.xframe`) before the name.
  const dotted = /^!?\??\.([A-Za-z_$][\w$]*)/.exec(text.slice(at, at + 80));
  if (dotted) return { name: dotted[1], end: at + dotted[0].length };
  const bracketed = /^!?\??\.?\[(['"`])([\w$-]+)\1\]/.exec(text.slice(at, at + 80));
  return bracketed ? { name: bracketed[2], end: at + bracketed[0].length } : undefined;
}

/** Where the compact source names ctx.securityOptions: each `securityOptions` and each local name given it, as [start, end] of the reference. */
function optionReferences(text: string): Array<[ number, number ]> {
  const names = new Set([ 'securityOptions' ]);
  // `const options = ctx.securityOptions;` (the keyword runs into the name only when white space was dropped before: kept apart here).
  for (const match of text.matchAll(/(?:^|[;,{}(])(?:(?:const|let|var) )?([A-Za-z_$][\w$]*)=(?:[\w$]+\??\.)*securityOptions(?![\w$])(?![.[(]|\?\.)/g)) names.add(match[1]);
  // `const { securityOptions: options } = ctx`.
  for (const match of text.matchAll(/[{,]securityOptions:([A-Za-z_$][\w$]*)(?=[,}=])/g)) names.add(match[1]);
  const references: Array<[ number, number ]> = [];
  for (const name of names) {
    const pattern = new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g');
    for (const match of text.matchAll(pattern)) {
      const start = match.index;
      // A property of something else (`config.options`) is not the alias; `securityOptions` is one on ctx.
      if (name !== 'securityOptions' && text[start - 1] === '.') continue;
      references.push([ start, start + name.length ]);
    }
  }
  return references.sort(([ left ], [ right ]) => left - right);
}

/**
 * The index past TypeScript's casts around the reference at [start, end): ` as T`, `!`, and the `)` that closes
 * `(ctx.securityOptions as any)` or `(<any>ctx.securityOptions)` (a parenthesis that opens no call).
 */
function pastCasts(text: string, start: number, end: number): number {
  let at = end;
  const cast = /^!?(?: as [\w$.<>,[\]|' ]+?(?=\)|,\{))?/.exec(text.slice(at, at + 120)) as RegExpExecArray;
  at += cast[0].length;
  if (text[at] === ')' && /(?<![\w$)\]])\((?:<[^<>()]*>)?(?:[\w$]+!?\??\.)*$/.test(text.slice(Math.max(0, start - 80), start))) at++;
  return at;
}

/** Every write of the source (a module's text as written) into ctx.securityOptions that switches a protection off or sets its value. */
export function securityOptionWrites(source: string): SecurityOptionWrite[] {
  if (!source.includes('securityOptions')) return [];
  const { text, strings } = compacted(source);
  const writes: SecurityOptionWrite[] = [];
  for (const [ start, end ] of optionReferences(text)) {
    // Text in a string (a log message, a code sample) writes nothing.
    if (strings.some(([ from, to ]) => start >= from && start < to)) continue;
    const before = text.slice(Math.max(0, start - 40), start).replace(/(?:[\w$]+\??\.)*$/, '');
    const assigning = /Object\.assign\($/.test(before);
    const past = pastCasts(text, start, end);
    const property = propertyAt(text, past);
    if (assigning) {
      // Object.assign(ctx.securityOptions, { xframe: {…} }, …) or Object.assign(ctx.securityOptions.xframe, { enable: false }).
      let at = property ? property.end : past;
      while (text[at] === ',' && text[at + 1] === '{') {
        const entries = literalEntries(text, at + 1);
        if (!entries) break;
        if (property) writes.push(...optionsEntries(property.name, entries.map(([ key, value ]) => [ key, value ])));
        else for (const [ key, value, valueAt ] of entries) if (value.startsWith('{')) writes.push(...optionsLiteral(key, text, valueAt));
        at = closing(text, at + 1);
      }
      continue;
    }
    if (!property) continue;
    const valueAt = assignedAt(text, property.end);
    if (valueAt >= 0) {
      if (text[valueAt] === '{') writes.push(...optionsLiteral(property.name, text, valueAt));
      continue;
    }
    // securityOptions.xframe.enable = false, securityOptions.xframe['value'] = '…'.
    const key = propertyAt(text, property.end);
    const keyValueAt = key && READ_KEYS.has(key.name) ? assignedAt(text, key.end) : -1;
    if (key && keyValueAt >= 0) {
      const value = text.slice(keyValueAt, valueEnd(text, keyValueAt));
      writes.push(...optionsEntries(property.name, [[ key.name, value ]]));
    }
  }
  return writes;
}

/** The writes into ctx.securityOptions of the app's loaded modules (path → text), each once per module, by the module's name relative to the app root. */
export function collectSecurityOptionWrites(texts: ReadonlyMap<string, string>, relative: (file: string) => string): SecurityOverrideFact[] {
  const found: SecurityOverrideFact[] = [];
  for (const [ file, source ] of texts) {
    const seen = new Set<string>();
    for (const write of securityOptionWrites(source)) {
      const key = `${write.name}\0${write.effect}\0${write.value ?? write.seconds ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push({ ...write, file: relative(file) });
    }
  }
  return found;
}

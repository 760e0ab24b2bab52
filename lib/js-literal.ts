/** What a JavaScript string literal in source text stands for at run time. */
/** A JavaScript string literal's escapes: `\x6E`, `\u006E`, `\u{6E}`, `\n` and the like, a line continuation. */
const JS_ESCAPE = /\\(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|u\{([0-9A-Fa-f]{1,6})\}|(\r\n|[\s\S]))/g;
const SINGLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', 0: '\0', '\n': '', '\r\n': '', '\r': '' };

/** The text a literal's source stands for (what `'Xe\x6Eco'` is at run time). */
export function unescapeJs(source: string): string {
  return source.replace(JS_ESCAPE, (_escape, hex?: string, unit?: string, point?: string, other?: string) => {
    if (hex ?? unit) return String.fromCharCode(parseInt((hex ?? unit) as string, 16));
    if (point) {
      const code = parseInt(point, 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return SINGLE_ESCAPES[other as string] ?? (other as string);
  });
}

/** `text` as a RegExp source that matches it literally. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A RegExp whose test() starts at its lastIndex and moves it (flag g or y): shared by requests, it answers by the ones before. */
export function keepsLastIndex(value: unknown): value is RegExp {
  return value instanceof RegExp && (value.global || value.sticky);
}

/**
 * A name from disk or an archive (anyone who can write a file chooses it) as a report shows it: control characters
 * (a newline that forges a log line, an ANSI escape), line and paragraph separators and bidi controls escaped as
 * `\xNN` or `\uNNNN`, and a backslash as `\\`, so each name has one printed form, which a waiver's target can name.
 * `max` caps it for a message (an archive's entry name may be kilobytes long); a finding's target is never capped.
 */
export function printableName(name: string, max = Infinity): string {
  // eslint-disable-next-line no-control-regex
  const printable = name.replace(/[\\\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, char => {
    if (char === '\\') return '\\\\';
    const code = char.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return printable.length > max ? `${printable.slice(0, max - 3)}...` : printable;
}

/**
 * A refusal is a verdict, not a crash: its stack adds nothing a user can act on, and egg's logger prints
 * everything after the stack's first line, so keep only that line.
 */
export function dropStack(error: Error): void {
  error.stack = `${error.name}: ${error.message.split('\n', 1)[0]}\n`;
}

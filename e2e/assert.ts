// The suite's assertion: a failed check ends its phase with a sentence that says what was expected
// and what was found.

export class CheckFailed extends Error {}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message);
}

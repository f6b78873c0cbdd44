import * as pulumi from "@pulumi/pulumi";

/** One bad setting: its key, what it must be, the value it had, and the command that fixes it. */
export interface ConfigProblem {
  key: string;
  expected: string;
  got: unknown;
  fix: string;
}

/** Shown instead of a value that must not be printed: a secret setting's, or a kubeconfig's content. */
export const SECRET_PLACEHOLDER = "[secret]";

export function formatProblem(p: ConfigProblem): string {
  const got = p.got === undefined ? "nothing" : p.got === SECRET_PLACEHOLDER ? p.got : typeof p.got === "string" ? JSON.stringify(p.got) : String(p.got);
  return `${p.key}: ${p.expected}, got ${got} (${p.fix})`;
}

/**
 * Every problem of a stack's configuration at once. A RunError, so Pulumi prints the message
 * without a stack trace: the user needs the list, not our call stack.
 */
export class StackConfigError extends pulumi.RunError {
  constructor(public readonly problems: ConfigProblem[]) {
    super(
      `the stack configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was created:\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
    );
    this.name = "StackConfigError";
  }
}

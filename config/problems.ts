import * as pulumi from "@pulumi/pulumi";
import { Problem, Remedy, formatProblem, SECRET_PLACEHOLDER } from "../components/problem";

export { Problem, SECRET_PLACEHOLDER };

/** A remedy as a command: `pulumi config set <key> <value>`, `pulumi config rm <key>`, or the sentence. */
export function configRemedy(r: Remedy): string {
  const why = "why" in r && r.why ? ` ${r.why}` : "";
  if ("set" in r) return `pulumi config set ${r.set} ${r.to}${why}`;
  if ("unset" in r) return `pulumi config rm ${r.unset}${why}`;
  return r.note;
}

function formatSettingProblem(p: Problem): string {
  return formatProblem(p, configRemedy);
}

/**
 * Every problem of a stack's configuration at once. A RunError, so Pulumi prints the message
 * without a stack trace: the user needs the list, not our call stack.
 */
export class StackConfigError extends pulumi.RunError {
  constructor(public readonly problems: Problem[]) {
    super(
      `the stack configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was created:\n` +
        problems.map((p) => `  - ${formatSettingProblem(p)}`).join("\n"),
    );
    this.name = "StackConfigError";
  }
}

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
 * A component's problem in the stack's terms: its arguments renamed to the settings that feed them
 * (`settingOf`), so the message names what the user sets and the remedy is a `pulumi config` command.
 */
export function asSettingProblem(p: Problem, settingOf: Record<string, string>): Problem {
  const rename = (name: string) => settingOf[name] ?? name;
  return {
    ...p,
    subject: rename(p.subject),
    remedies: p.remedies.map((r) => ("set" in r ? { ...r, set: rename(r.set) } : "unset" in r ? { ...r, unset: rename(r.unset) } : r)),
  };
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

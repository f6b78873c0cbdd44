// Bad input, in words that suit whoever gave it. A component names its own arguments and values that
// would do; the stack layer (config/) maps them to settings and turns remedies into the commands
// that change them. The same type serves both, so a rule is written once.

/** A way out: give `set` the value `to`, leave `unset` unset, or a sentence for anything else. */
export type Remedy = { set: string; to: string | number | boolean; why?: string } | { unset: string; why?: string } | { note: string };

/** One bad input: whose it is (an argument or a setting), what it must be, what it was, the ways out. */
export interface Problem {
  subject: string;
  expected: string;
  got: unknown;
  remedies: Remedy[];
}

/** Shown instead of a value that must not be printed: a secret setting's, or a kubeconfig's content. */
export const SECRET_PLACEHOLDER = "[secret]";

function describeValue(got: unknown): string {
  if (got === undefined) return "nothing";
  if (got === SECRET_PLACEHOLDER) return got;
  return typeof got === "string" ? JSON.stringify(got) : String(got);
}

/** `subject: expected, got value (remedy, or remedy)`, with each remedy written by `remedy`. */
export function formatProblem(p: Problem, remedy: (r: Remedy) => string): string {
  const ways = p.remedies.map(remedy).join(", or ");
  return `${p.subject}: ${p.expected}, got ${describeValue(p.got)}${ways ? ` (${ways})` : ""}`;
}

/** A remedy in a component's terms: `argument: value`. */
function argumentRemedy(r: Remedy): string {
  const why = "why" in r && r.why ? ` ${r.why}` : "";
  if ("set" in r) return `${r.set}: ${r.to}${why}`;
  if ("unset" in r) return `leave ${r.unset} unset${why}`;
  return r.note;
}

/** Bad arguments given to a component: every problem at once. */
export class ArgumentError extends Error {
  constructor(
    component: string,
    public readonly problems: Problem[],
  ) {
    super(`${component}: ${problems.map((p) => formatProblem(p, argumentRemedy)).join("; ")}`);
    this.name = "ArgumentError";
  }
}

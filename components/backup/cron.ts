// The schedule check, so a bad `backupSchedule` is refused with a reason before anything is deployed
// instead of by the API server in the middle of `pulumi up`. It follows what the API server accepts:
// kubernetes/kubernetes pkg/apis/batch/validation/validation.go (validateScheduleFormat) parses
// spec.schedule with robfig/cron v3's ParseStandard and, on create, refuses any schedule containing
// "TZ" ("cannot use TZ or CRON_TZ in schedule, use timeZone field instead"). ParseStandard
// (robfig/cron v3.0.1 parser.go, spec.go): five whitespace-separated fields; each a comma list of
// `*`, `?`, N or N-M, each optionally /step (N/step means N-max/step); names jan-dec and sun-sat in
// any case; bounds minute 0-59, hour 0-23, day of month 1-31, month 1-12, day of week 0-6 (7 is
// refused); or one of the descriptors below, matched exactly.
//
// Stricter than ParseStandard, on purpose: an empty list item ("1,,2", which it skips, so "," runs
// never), a sign ("+5", which strconv.Atoi takes), and `@every <duration>` (accepted by the parser,
// not listed by the Kubernetes CronJob documentation) are refused, each with the form to use instead.

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  { name: "day of week", min: 0, max: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

/** robfig/cron v3.0.1 parseDescriptor: exact, lower-case. */
const DESCRIPTORS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

const FORM = "minute hour day-of-month month day-of-week, e.g. 0 3 * * * (daily at 03:00 UTC)";

function value(text: string, field: Field): number | string {
  if (/^\d+$/.test(text)) return Number(text);
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + field.min;
  return field.names
    ? `${field.name}: "${text}" is neither a number nor a name (${field.names[0]}-${field.names[field.names.length - 1]})`
    : `${field.name}: "${text}" is not a number`;
}

/** One list item: `*`, `?`, N or N-M, optionally /step. */
function itemProblem(item: string, field: Field): string | undefined {
  const parts = item.split("/");
  if (parts.length > 2) return `${field.name}: "${item}" has more than one /`;
  const [range, stepText] = parts;
  if (stepText !== undefined && (!/^\d+$/.test(stepText) || Number(stepText) === 0)) {
    return `${field.name}: the step in "${item}" must be a whole number above 0`;
  }
  if (range === "*" || range === "?") return undefined;
  const bounds = range.split("-");
  if (bounds.length > 2) return `${field.name}: "${item}" has more than one -`;
  const values = bounds.map((b) => value(b, field));
  const problem = values.find((v) => typeof v === "string");
  if (problem !== undefined) return problem as string;
  const [start, end = stepText !== undefined && bounds.length === 1 ? field.max : start] = values as number[];
  if (start < field.min || end > field.max) return `${field.name}: "${item}" is outside ${field.min}-${field.max}`;
  if (start > end) return `${field.name}: "${item}" starts after it ends`;
  return undefined;
}

/** Why Kubernetes would refuse `expr` as a CronJob's schedule, or undefined when it is valid. */
export function validateCron(expr: string): string | undefined {
  if (expr.trim() === "") return `empty; expected ${FORM}`;
  if (expr.includes("TZ")) return "Kubernetes refuses TZ= and CRON_TZ= in a CronJob's schedule; the schedule is in UTC";
  if (expr.startsWith("@")) {
    if (expr.startsWith("@every")) return `@every is not supported; write it as five fields (${FORM})`;
    return DESCRIPTORS.includes(expr) ? undefined : `unknown macro "${expr}"; use one of ${DESCRIPTORS.join(", ")}, or ${FORM}`;
  }
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== FIELDS.length) return `expected 5 fields (${FORM}), got ${fields.length}`;
  for (const [i, text] of fields.entries()) {
    for (const item of text.split(",")) {
      if (item === "") return `${FIELDS[i].name}: "${text}" has an empty list item`;
      const problem = itemProblem(item, FIELDS[i]);
      if (problem) return problem;
    }
  }
  return undefined;
}

import { z } from "zod";

/**
 * One stack setting: how Pulumi.yaml declares it, how its raw string is parsed, and what a user is
 * told when it is wrong. Pulumi hands every config value to the program as a string.
 */
export interface Setting<T> {
  /** Type in Pulumi.yaml's `config:` (only settings with a default are declared there: see `declaredInProject`). */
  type: "integer" | "string" | "boolean" | "array";
  /** The value when the stack does not set it; undefined: unset (the program derives or skips it). */
  default: T;
  description: string;
  /** Parses the raw string; its failure message is not shown, `expected` is. */
  schema: z.ZodType<unknown, string>;
  /** What a valid value is, as the start of the error line: "must be an integer >= 1". */
  expected: string;
  /** A valid value to suggest in the fix: `pulumi config set <key> <example>`. */
  example: string;
  /** Whether a value must never be printed even when it was not set with --secret. */
  sensitive?: (raw: string) => boolean;
  /** The value holds passwords: it must be set with --secret, so that it is encrypted in the stack file and the state. */
  mustBeSecret?: boolean;
  /** For a secret: a valid value that stands in for one that cannot be decrypted (`npm run check` without the passphrase). */
  standIn?: string;
  /** What exactly is wrong with a value the schema refused, added to `expected`. */
  why?: (raw: string) => string | undefined;
}

const INTEGER = /^-?[0-9]+$/;

export function integer<D extends number | undefined>(o: {
  min: number;
  max?: number;
  default: D;
  description: string;
  example?: string;
}): Setting<number | D> {
  const range = o.max === undefined ? `>= ${o.min}` : `from ${o.min} to ${o.max}`;
  return {
    type: "integer",
    default: o.default,
    description: o.description,
    schema: z
      .string()
      .regex(INTEGER)
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .min(o.min)
          .max(o.max ?? Number.MAX_SAFE_INTEGER),
      ),
    expected: `must be an integer ${range}`,
    example: o.example ?? String(o.default ?? o.min),
  };
}

export function text<D extends string | undefined>(o: {
  /** A value is valid when it matches (or, for a function, when it returns true). */
  valid: RegExp | ((value: string) => boolean);
  expected: string;
  example: string;
  default: D;
  description: string;
  sensitive?: (raw: string) => boolean;
  mustBeSecret?: boolean;
  standIn?: string;
  /** What exactly is wrong with an invalid value; a value is valid when it returns undefined and `valid` accepts it. */
  why?: (value: string) => string | undefined;
}): Setting<string | D> {
  const valid = o.valid;
  const why = o.why;
  return {
    type: "string",
    default: o.default,
    description: o.description,
    schema: z.string().refine((v) => (typeof valid === "function" ? valid(v) : valid.test(v)) && why?.(v) === undefined),
    expected: o.expected,
    example: o.example,
    sensitive: o.mustBeSecret ? () => true : o.sensitive,
    mustBeSecret: o.mustBeSecret,
    standIn: o.standIn,
    why,
  };
}

export function oneOf<const V extends readonly [string, ...string[]]>(o: {
  values: V;
  default: V[number];
  description: string;
}): Setting<V[number]> {
  return {
    type: "string",
    default: o.default,
    description: o.description,
    schema: z.enum(o.values),
    expected: `must be one of ${o.values.join(", ")}`,
    example: o.default,
  };
}

export function boolean(o: { default: boolean; description: string }): Setting<boolean> {
  return {
    type: "boolean",
    default: o.default,
    description: o.description,
    schema: z.enum(["true", "false"]).transform((v) => v === "true"),
    expected: "must be true or false",
    example: String(!o.default),
  };
}

/**
 * A list of objects. Pulumi hands the program a structured value (set with `pulumi config set --path
 * 'key[0].field' value`, or as YAML in the stack file) as its JSON text; `problem` says what is wrong
 * with a text, `parse` reads a valid one. Never declared in Pulumi.yaml (it has no default): the CLI's
 * `array` type would check the list, not its objects.
 */
export function jsonList<T>(o: {
  problem: (text: string) => string | undefined;
  parse: (text: string) => T[];
  expected: string;
  example: string;
  description: string;
}): Setting<T[] | undefined> {
  return {
    type: "array",
    default: undefined,
    description: o.description,
    schema: z
      .string()
      .refine((v) => o.problem(v) === undefined)
      .transform(o.parse),
    expected: o.expected,
    example: o.example,
    why: o.problem,
  };
}

/**
 * Whether Pulumi.yaml declares the setting. The Pulumi CLI requires every stack to set a project key
 * declared with neither `default` nor `value`, whatever its `type` (pulumi/pulumi
 * pkg/workspace/config.go), so a setting without a default is left out of Pulumi.yaml.
 */
export function declaredInProject(setting: Setting<unknown>): boolean {
  return setting.default !== undefined;
}

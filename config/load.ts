import * as pulumi from "@pulumi/pulumi";
import { SETTINGS, SettingKey, StackConfig } from "./settings";
import { Setting } from "./setting-kinds";
import { Problem, StackConfigError, SECRET_PLACEHOLDER } from "./problems";
import { checkRules, ParsedValues } from "./rules";

/**
 * Parses raw config strings (key without the project prefix) into the typed stack configuration.
 * Throws one StackConfigError listing every bad key, so a user fixes them all in one go.
 * Needs no Pulumi runtime: exported for testing and for programs that read their settings elsewhere.
 */
export function parseStackConfig(
  raw: Record<string, string | undefined>,
  secretKeys: ReadonlySet<string> = new Set(),
): { config: StackConfig; warnings: string[] } {
  const problems: Problem[] = [];
  const values: ParsedValues = {};
  for (const [key, setting] of Object.entries(SETTINGS) as [SettingKey, Setting<unknown>][]) {
    const input = raw[key];
    if (input === undefined) {
      (values as Record<string, unknown>)[key] = setting.default;
      continue;
    }
    if (setting.mustBeSecret && !secretKeys.has(key)) {
      problems.push({
        subject: key,
        expected:
          "must be set with --secret: it holds passwords, which would otherwise be stored in plain text in the stack file and the state",
        got: input,
        remedies: [{ note: `pulumi config set --secret ${key} '${setting.example}'` }],
      });
      continue;
    }
    const parsed = setting.schema.safeParse(input);
    if (parsed.success) (values as Record<string, unknown>)[key] = parsed.data;
    else {
      const why = setting.why?.(input);
      const expected = why ? `${setting.expected}: ${why}` : setting.expected;
      const remedy = setting.mustBeSecret
        ? { note: `pulumi config set --secret ${key} '${setting.example}'` }
        : { set: key, to: setting.example };
      problems.push({ subject: key, expected, got: input, remedies: [remedy] });
    }
  }
  for (const key of Object.keys(raw)) {
    if (key in SETTINGS || raw[key] === undefined) continue;
    const near = closestSetting(key);
    problems.push({
      subject: key,
      expected: `is not a setting of this project${near ? ` (did you mean ${near}?)` : ""}`,
      got: raw[key],
      remedies: [{ unset: key, why: near ? `and set ${near} instead` : "(docs/settings.md lists every setting)" }],
    });
  }
  const rules = checkRules(values);
  problems.push(...rules.problems);
  if (problems.length) throw new StackConfigError(problems.map((p) => redacted(p, raw, secretKeys)));
  return { config: values as StackConfig, warnings: rules.warnings };
}

/** A problem as it may be printed: the value of a secret or sensitive setting is never shown. */
function redacted(p: Problem, raw: Record<string, string | undefined>, secretKeys: ReadonlySet<string>): Problem {
  const input = raw[p.subject];
  const setting = (SETTINGS as Record<string, Setting<unknown>>)[p.subject];
  const hidden = secretKeys.has(p.subject) || (input !== undefined && setting?.sensitive?.(input));
  return hidden && p.got !== undefined ? { ...p, got: SECRET_PLACEHOLDER } : p;
}

/**
 * Whether the stack set a key with --secret. The language host passes the secret keys in
 * PULUMI_CONFIG_SECRET_KEYS and @pulumi/pulumi reads them in runtime/config.ts isConfigSecret
 * (pulumi/pulumi v3.248.0), which is internal: test/cluster/pulumi-cli.test.ts checks that it exists.
 */
export function isSecretConfigKey(fullKey: string): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const runtimeConfig = require("@pulumi/pulumi/runtime/config");
  return typeof runtimeConfig.isConfigSecret === "function" ? runtimeConfig.isConfigSecret(fullKey) : false;
}

/** Reads this project's keys of the current stack and parses them; nothing is registered before it returns. */
export function loadStackConfig(): StackConfig {
  const prefix = `${pulumi.getProject()}:`;
  const raw: Record<string, string> = {};
  const secretKeys = new Set<string>();
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    raw[fullKey.slice(prefix.length)] = value;
    if (isSecretConfigKey(fullKey)) secretKeys.add(fullKey.slice(prefix.length));
  }
  const { config, warnings } = parseStackConfig(raw, secretKeys);
  for (const warning of warnings) pulumi.log.warn(warning);
  return config;
}

function closestSetting(key: string): string | undefined {
  let best: { setting: string; distance: number } | undefined;
  for (const setting of Object.keys(SETTINGS)) {
    const distance = editDistance(key.toLowerCase(), setting.toLowerCase());
    if (distance <= 3 && (!best || distance < best.distance)) best = { setting, distance };
  }
  return best?.setting;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

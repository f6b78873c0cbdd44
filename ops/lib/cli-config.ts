// What the Pulumi CLI does with a stack's configuration before the program runs, as far as this
// project depends on it: `npm run check` applies these rules first, so that it refuses exactly the
// stacks `pulumi up` would refuse, and the tests put every stack file through them before the
// program runs under mocks.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export interface ProjectConfigKey {
  type?: string;
  default?: unknown;
  value?: unknown;
  description?: string;
  secret?: boolean;
}

export interface ProjectFile {
  name: string;
  config?: Record<string, ProjectConfigKey>;
}

export function readProject(projectDir: string): ProjectFile {
  return yaml.load(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

/** A stack file's `config:` values, keyed as written (`<project>:<key>`); none for a stack without a file (the e2e suite's). */
export function readStackFile(projectDir: string, stack: string): Record<string, unknown> {
  const name = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(name)) return {};
  const file = yaml.load(fs.readFileSync(name, "utf8")) as { config?: Record<string, unknown> } | null;
  return file?.config ?? {};
}

/**
 * The CLI's required-key rule: a project key declared with neither `default` nor `value` must be
 * set by the stack, whatever its `type`, or the CLI stops with "Stack '<stack>' is missing
 * configuration value(s)" before the program runs.
 * Only keys of the project's own namespace count. A scalar written directly under a project key
 * (`key: 3`) is shorthand for its default.
 * Source: pulumi/pulumi v3.248.0 sdk/go/common/workspace/config.go, mergeConfig:
 * `if !foundOnStack && !hasValue && !hasDefault && key.Namespace() == projectName` (called from
 * the up, preview, destroy and refresh commands); project.go RewriteShorthandConfigValues.
 */
export function missingConfigKeys(
  projectName: string,
  projectConfig: Record<string, ProjectConfigKey>,
  stackConfig: Record<string, unknown>,
): string[] {
  const missing: string[] = [];
  for (const [key, declared] of Object.entries(projectConfig)) {
    const full = key.includes(":") ? key : `${projectName}:${key}`;
    const foundOnStack = full in stackConfig;
    const shorthand = declared === null || typeof declared !== "object" || Array.isArray(declared);
    const hasValue = !shorthand && declared.value !== undefined && declared.value !== null;
    const hasDefault = shorthand || (declared.default !== undefined && declared.default !== null);
    if (!foundOnStack && !hasValue && !hasDefault) missing.push(key);
  }
  return missing;
}

/**
 * The CLI's type rule for a typed project key that the stack sets: "Stack '<stack>' with
 * configuration key '<key>' must be of type '<type>'". An integer is what Go's strconv.Atoi
 * parses, a boolean the string true or false.
 * Source: pulumi/pulumi v3.248.0 sdk/go/common/workspace/config.go (validateStackConfigValue,
 * only when IsExplicitlyTyped) and project.go (ValidateConfigValue).
 */
export function wrongTypeKeys(
  projectName: string,
  projectConfig: Record<string, ProjectConfigKey>,
  stackConfig: Record<string, unknown>,
): { key: string; type: string }[] {
  const wrong: { key: string; type: string }[] = [];
  for (const [key, declared] of Object.entries(projectConfig)) {
    const full = key.includes(":") ? key : `${projectName}:${key}`;
    if (!declared?.type || !(full in stackConfig)) continue;
    const value = String(stackConfig[full]);
    const ok =
      declared.type === "integer"
        ? /^[+-]?[0-9]+$/.test(value)
        : declared.type === "boolean"
          ? value === "true" || value === "false"
          : true;
    if (!ok) wrong.push({ key, type: declared.type });
  }
  return wrong;
}

export class CliRefusal extends Error {}

/**
 * What the CLI hands the program for a stack: Pulumi.yaml's defaults overlaid by the stack file's
 * values, as the raw strings `pulumi config set` stores (keys without the project prefix). Throws
 * the CLI's own refusal when the stack misses a required key.
 */
export function cliConfigFor(
  projectDir: string,
  stack: string,
  /** As `pulumi config set`; undefined: as `pulumi config rm`. */
  overrides: Record<string, string | undefined> = {},
  project = readProject(projectDir),
): Record<string, string> {
  const stackValues = readStackFile(projectDir, stack);
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete stackValues[`${project.name}:${key}`];
    else stackValues[`${project.name}:${key}`] = value;
  }
  const missing = missingConfigKeys(project.name, project.config ?? {}, stackValues);
  if (missing.length) {
    const names = missing.sort().map((k) => `'${k}'`);
    const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
    throw new CliRefusal(
      `validating stack config: Stack '${stack}' is missing configuration value${names.length === 1 ? "" : "s"} ${list}`,
    );
  }
  const wrong = wrongTypeKeys(project.name, project.config ?? {}, stackValues);
  if (wrong.length) {
    throw new CliRefusal(wrong.map((w) => `Stack '${stack}' with configuration key '${w.key}' must be of type '${w.type}'`).join("\n"));
  }
  const values: Record<string, string> = {};
  for (const [key, declared] of Object.entries(project.config ?? {})) {
    if (declared.default !== undefined) values[key] = String(declared.default);
  }
  const prefix = `${project.name}:`;
  for (const [full, value] of Object.entries(stackValues)) {
    if (!full.startsWith(prefix)) throw new Error(`Pulumi.${stack}.yaml: ${full} is not a key of this project`);
    values[full.slice(prefix.length)] = typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  return values;
}

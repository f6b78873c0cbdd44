// `npm run check -- [--stack <name>] [--set key=value]... [--set-secret key=value]... [--out <folder>]`
// (ops/lib/commands.ts CHECK): a stack's settings
// checked as `pulumi up` checks them, without the Pulumi CLI, a cluster or the network. First the
// CLI's own rules (a required key, a key's type: ops/lib/cli-config.ts), then the program's
// validator, which lists every problem at once; then, for a stack that passes, the program runs under
// mocks and its objects and the servers' files are written to the folder (rendered/check-<stack> by
// default): what `pulumi up` would deploy, less the values only a deploy makes (generated passwords,
// keys and certificates) and never a secret.
//
// Exit code: 0 the stack passes (files written); 1 it does not (its problems printed, nothing
// written); 2 the command line is wrong.
import * as path from "path";
import { cliConfigFor, CliRefusal, readProject, readStackFile } from "./lib/cli-config";
import { runOffline } from "./lib/offline-program";
import { outFolderProblem, writeCheckOutput, SECRET_PLACEHOLDER } from "./lib/check-render";
import { helpText, parseCommandLine, runMain, UsageError } from "./lib/cli-args";
import { CHECK } from "./lib/commands";
import { SETTINGS, SettingKey } from "../config";

async function check(argv: string[]): Promise<number> {
  const line = parseCommandLine(CHECK, argv);
  if (line.help) {
    process.stdout.write(helpText(CHECK));
    return 0;
  }
  const stack = line.value("stack") ?? "dev";
  const overrides: Record<string, string> = {};
  const secretOverrides: string[] = [];
  for (const option of ["set", "set-secret"]) {
    for (const pair of line.values(option)) {
      const at = pair.indexOf("=");
      // The key only: a --set-secret value is not echoed, even a malformed one.
      if (at <= 0) throw new UsageError(`--${option} ${option === "set" ? `'${pair}' ` : ""}is not key=value: --${option} key=value`);
      overrides[pair.slice(0, at)] = pair.slice(at + 1);
      if (option === "set-secret") secretOverrides.push(pair.slice(0, at));
    }
  }
  const projectDir = process.cwd();
  const out = path.resolve(projectDir, line.value("out") ?? path.join("rendered", `check-${stack}`));
  const outProblem = outFolderProblem(out);
  if (outProblem) throw new UsageError(outProblem);

  const project = readProject(projectDir);
  // A `secure:` value cannot be read without the stack's passphrase: a valid value of its setting stands in for it.
  const prefix = `${project.name}:`;
  const secure = Object.entries(readStackFile(projectDir, stack))
    .filter(([k, v]) => k.startsWith(prefix) && typeof v === "object" && v !== null && "secure" in v)
    .map(([k]) => k.slice(prefix.length))
    .filter((k) => !(k in overrides));
  let config: Record<string, string>;
  try {
    config = cliConfigFor(projectDir, stack, overrides, project);
  } catch (e) {
    if (!(e instanceof CliRefusal)) throw e;
    console.error(`stack ${stack}: the Pulumi CLI would refuse it before the program runs:\n${e.message}`);
    return 1;
  }
  for (const key of secure) {
    const setting = SETTINGS[key as SettingKey];
    if (setting) config[key] = setting.standIn ?? String(setting.example);
  }

  const run = await runOffline(projectDir, project.name, stack, config, [...secure, ...secretOverrides]);
  if (run.error) {
    const message = run.error instanceof Error ? run.error.message : String(run.error);
    console.error(`stack ${stack}: ${message}`);
    return 1;
  }
  const written = writeCheckOutput(out, run.resources);
  const shown = path.relative(projectDir, out) || out;
  console.log(
    `stack ${stack}: every setting passes. Wrote ${written.filter((f) => f.startsWith("manifests")).length} objects to ${shown}/manifests ` +
      `and the servers' files to ${shown}/files (secret values read "${SECRET_PLACEHOLDER}").` +
      (secure.length ? `\nNot decrypted (a valid value stood in for each): ${secure.join(", ")}.` : ""),
  );
  // pulumi.log.warn prints "warning: [runtime] <message>" under mocks.
  for (const warning of run.warnings) console.warn(`warning: ${warning.replace(/^warning: (\[runtime\] )?/, "")}`);
  return 0;
}

runMain(CHECK, check, "npm run check failed: ");

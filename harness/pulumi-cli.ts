// The CLI's configuration rules (ops/lib/cli-config.ts) for this checkout's project.
import * as path from "path";
import * as cli from "../ops/lib/cli-config";

export { CliRefusal, missingConfigKeys, wrongTypeKeys, type ProjectConfigKey } from "../ops/lib/cli-config";

export const ROOT = path.join(__dirname, "..");

export const readProject = () => cli.readProject(ROOT) as Required<cli.ProjectFile>;

/** A stack file's `config:` values, keyed as written (`<project>:<key>`); none for a stack without a file (the e2e suite's). */
export const readStackFile = (stack: string) => cli.readStackFile(ROOT, stack);

/** What the CLI hands the program for a stack of this checkout (cli.cliConfigFor). */
export const cliConfigFor = (stack: string, overrides: Record<string, string | undefined> = {}, project = readProject()) =>
  cli.cliConfigFor(ROOT, stack, overrides, project);

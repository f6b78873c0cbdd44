// Where the project's commands run pulumi when the stack lives in the project's own local backend
// (backend.ts): a folder of their own, `.pulumi-state/project/` (ignored by git), never the checkout. The Pulumi CLI writes a passphrase stack's `encryptionsalt` into the stack
// file when it creates the stack, and rewrites the whole file as it does (pulumi/pulumi v3.248.0
// pkg/cmd/pulumi/stack/secrets.go createSecretsManagerForNewStack and GetSecretsManager: a changed
// salt "must be saved" to the stack configuration file), which would change the tracked
// Pulumi.<stack>.yaml on a user's first `npm run up`. So the folder holds:
// - Pulumi.yaml: the project's, with `main` pointing back at the checkout (the program runs from there);
// - Pulumi.<stack>.yaml: the user's stack file as it stands, rewritten before every command, plus the
//   secrets keys pulumi wrote there before, unless the user's file has its own (it then encrypts the
//   user's secret settings, and must be the one used).
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

/** The keys with which the CLI records a stack's secrets provider in its stack file (workspace.ProjectStack). */
const SECRETS_KEYS = ["secretsprovider", "encryptedkey", "encryptionsalt"] as const;

type StackFile = Record<string, unknown>;

const readYaml = (file: string): StackFile =>
  fs.existsSync(file) ? ((yaml.load(fs.readFileSync(file, "utf8")) as StackFile | null) ?? {}) : {};

/** The tool's folder for the project in `projectDir`. */
export function toolProjectDir(projectDir: string): string {
  return path.join(projectDir, ".pulumi-state", "project");
}

/**
 * Writes the tool's folder for `stack` (see the file's comment) and returns it. The user's files
 * are only read.
 */
export function prepareToolProject(projectDir: string, stack: string): string {
  const dir = toolProjectDir(projectDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const project = readYaml(path.join(projectDir, "Pulumi.yaml"));
  const main = path.resolve(projectDir, typeof project.main === "string" ? project.main : ".");
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), yaml.dump({ ...project, main }, { lineWidth: -1 }));

  const file = `Pulumi.${stack}.yaml`;
  const user = readYaml(path.join(projectDir, file));
  const mine = readYaml(path.join(dir, file));
  const usersOwn = SECRETS_KEYS.some((k) => user[k] !== undefined);
  const secrets = usersOwn ? {} : Object.fromEntries(SECRETS_KEYS.flatMap((k) => (mine[k] !== undefined ? [[k, mine[k]]] : [])));
  fs.writeFileSync(path.join(dir, file), yaml.dump({ ...user, ...secrets }, { lineWidth: -1 }));
  return dir;
}

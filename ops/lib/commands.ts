// Every operational command's options and exit codes, in one place: each command parses its
// command line with these (cli-args.ts), --help prints them, and test/program/readme.test.ts checks that
// README's command lines are ones the commands take.
import { CommandSpec, OptionSpec } from "./cli-args";

const SERVERS: OptionSpec = {
  name: "servers",
  value: "host:port[,host:port...]",
  help: "any ensemble this machine reaches: each server's client address",
};
const AUTH: OptionSpec = {
  name: "auth",
  value: "digest:user:password",
  multiple: true,
  secret: true,
  help: "digest credentials that znodes' ACLs grant (the super user's, digest:super:<password>, where the servers set a superDigest)",
};
const TIMEOUT: OptionSpec = {
  name: "timeout",
  value: "<seconds>",
  help: "bound on connecting and on each request (default 10, at most 3600)",
};

function stackCommand(name: "up" | "down", about: string, stackHelp: string, yesHelp: string, exitCodes: string): CommandSpec {
  return {
    name,
    about,
    options: [
      { name: "stack", value: "<name>", help: stackHelp },
      { name: "yes", short: "y", help: yesHelp },
    ],
    exitCodes,
  };
}

const UP_BASE = stackCommand(
  "up",
  "Checks the prerequisites, picks the Pulumi backend, selects or creates the stack, runs pulumi up (which asks first on a terminal), then npm run verify on the stack.",
  "the stack to deploy (default dev)",
  "do not ask before changing anything (pulumi up --yes; without a terminal or in CI it is passed anyway)",
  "0 deployed and healthy; 2 a prerequisite is missing or the command line is wrong (nothing was run); 1 pulumi up failed; otherwise verify's (3 degraded, 1 unhealthy, 2 could not check)",
);

export const UP: CommandSpec = {
  ...UP_BASE,
  options: [
    ...UP_BASE.options,
    {
      name: "replace",
      value: "<urn>",
      multiple: true,
      help: "replace this resource even if unchanged (pulumi up --replace): verify names the tenants Job's URN when a tenant drifted",
    },
  ],
};

export const DOWN = stackCommand(
  "down",
  "Checks the prerequisites, then pulumi destroy of the stack with the backend npm run up used: on kind the cluster goes with it, and its data. The stack's settings and history are kept (pulumi stack rm removes them).",
  "the stack to destroy (default dev)",
  "do not ask before destroying (pulumi destroy --yes; without a terminal or in CI it is passed anyway)",
  "0 destroyed; 2 a prerequisite is missing or the command line is wrong (nothing was run); 1 pulumi destroy failed",
);

export const VERIFY: CommandSpec = {
  name: "verify",
  about:
    "Is the ensemble healthy, and why not: one table of checks, one verdict line, and an exit code scripts can use. With --stack: the pods, volumes and PodDisruptionBudget too, each server through its own port-forward.",
  options: [
    { name: "stack", value: "<name>", help: "a deployed stack: pods, volumes, PDB and every server" },
    { ...SERVERS, help: "any ensemble this machine reaches: the ZooKeeper checks alone" },
  ],
  oneOf: [["stack", "servers"]],
  exitCodes: "0 healthy; 3 degraded; 1 unhealthy; 2 could not check (one line says why), or a wrong command line",
};

export const BACKUP: CommandSpec = {
  name: "backup",
  about:
    "Writes a logical backup of every persistent znode (path, data, ACL, stat) to a JSON-lines file, from any ensemble (--servers) or a deployed stack's servers, through a port-forward to each pod (--stack).",
  options: [
    SERVERS,
    { name: "stack", value: "<name>", help: "a deployed stack's servers, through a port-forward to each pod" },
    { name: "out", value: "<file>", required: true, help: "the backup file to write; it must not exist" },
    AUTH,
    {
      name: "containers",
      value: "/path,/parent/*",
      multiple: true,
      help: "the znodes that are containers (* stands for one name); the others come back persistent",
    },
    TIMEOUT,
  ],
  oneOf: [["servers", "stack"]],
  exitCodes:
    "0 done; 1 failed (no file is left); 2 a wrong command line, a stack that cannot be read, or no server answers (nothing was read)",
};

/** Where a restore's report goes when --report does not say: a folder .gitignore covers. */
export const DEFAULT_REPORT_DIR = "restore-reports";

export const RESTORE: CommandSpec = {
  name: "restore",
  about:
    "Creates a backup's znodes in an ensemble, with their data and ACLs, and writes a report of each znode it created, " +
    "skipped or overwritten. The file is checked whole, and the target looked at, before anything is written.",
  options: [
    SERVERS,
    { name: "stack", value: "<name>", help: "a deployed stack's servers, through a port-forward to each pod" },
    { name: "in", value: "<file>", required: true, help: "the backup file (npm run backup's) to restore" },
    {
      name: "on-conflict",
      value: "fail|skip|overwrite",
      help: "a znode that already exists: refuse before writing anything (fail, the default), keep it, or replace its data and ACL",
    },
    AUTH,
    {
      name: "report",
      value: "<file>",
      help:
        `where the report goes; it must not exist (default ${DEFAULT_REPORT_DIR}/restore-<UTC time>.jsonl). ` +
        "A restore refused or failed before it wrote anything writes none",
    },
    TIMEOUT,
  ],
  oneOf: [["servers", "stack"]],
  exitCodes:
    "0 done; 1 failed or refused (the report lists what was written, if anything was); 2 a wrong command line, a file that " +
    "is not a complete backup, a stack that cannot be read, or no server answers (nothing was written)",
};

export const E2E: CommandSpec = {
  name: "e2e",
  about:
    "The end-to-end suite, on a kind cluster of its own (Docker or Podman, kind and the Pulumi CLI): deploy, verify, the drills under a continuous writer, verify again, and always destroy.",
  options: [{ name: "timings", value: "<file>", help: "where the phases' times are written as JSON (default e2e-timings.json)" }],
  exitCodes: "0 every phase passed; 1 a phase failed; 2 a prerequisite is missing or the command line is wrong (nothing was run)",
};

/** Every command, by its npm script. */
export const CHECK: CommandSpec = {
  name: "check",
  about:
    "Checks a stack's settings as pulumi up would (the Pulumi CLI's rules, then every setting at once), with no Pulumi CLI, cluster or network. For a stack that passes it writes the Kubernetes objects and the servers' zoo.cfg and scripts to --out, secret values left out.",
  options: [
    { name: "stack", value: "<name>", help: "the stack whose Pulumi.<name>.yaml is checked (default dev)" },
    { name: "set", value: "key=value", multiple: true, help: "a setting changed for this check only, as pulumi config set would" },
    {
      name: "set-secret",
      value: "key=value",
      multiple: true,
      secret: true,
      help: "as --set, as pulumi config set --secret would: the value is never printed",
    },
    { name: "out", value: "<folder>", help: "where a passing stack's files go (default rendered/check-<stack>)" },
  ],
  exitCodes: "0 the stack passes (files written); 1 it has problems (printed, nothing written); 2 the command line is wrong",
};

export const COMMANDS: CommandSpec[] = [UP, DOWN, VERIFY, BACKUP, RESTORE, E2E, CHECK];

// `npm run down [-- --stack <name>] [--yes]`: `pulumi destroy` of the stack `npm run up` made, with
// the same backend (ops/lib/backend.ts). On kind the cluster is one of the stack's resources, so it
// is deleted with everything in it, the servers' data included; destroying it runs `kind delete
// cluster`, hence the same prerequisites as `up`. The stack itself (its settings and history) is
// kept, as `pulumi destroy` keeps it; the message says how to remove it too.
//
// Confirmation as in `npm run up`: pulumi asks on a terminal; elsewhere the script passes --yes.
// Exit code: 0 destroyed (or --help); 2 a prerequisite is missing or the command line is wrong
// (nothing was run); 1 pulumi failed.
import { checkPrerequisites, describeFindings, prerequisitesFor } from "./lib/prerequisites";
import { parseStackCommandArgs, UsageError, projectPulumi, pulumiWillPrompt, runPulumi, stackClusterMode } from "./lib/pulumi-cli";

const USAGE = "npm run down [-- --stack <name>] [--yes]";
const HELP = [
  "Checks the prerequisites, then pulumi destroy of the stack (default dev) with the backend npm run up",
  "used: on kind the cluster goes with it, and its data. The stack's settings and history are kept.",
  "Exit code: 0 destroyed; 2 a prerequisite is missing or the command line is wrong (nothing was run);",
  "1 pulumi destroy failed.",
].join("\n");

async function down(argv: string[]): Promise<number> {
  const args = parseStackCommandArgs(argv, USAGE);
  if (args.help) {
    console.log(`usage: ${USAGE}\n${HELP}`);
    return 0;
  }
  const projectDir = process.cwd();
  const clusterMode = stackClusterMode(projectDir, args.stack);
  console.log(
    `Destroying stack ${args.stack} (clusterMode ${clusterMode})` +
      (clusterMode === "kind" ? ": its kind cluster goes with it, and the ZooKeeper data in it." : "."),
  );

  const findings = await checkPrerequisites(prerequisitesFor(clusterMode));
  console.log(`Prerequisites:\n${describeFindings(findings)}`);
  if (findings.some((f) => !f.ok)) {
    console.error(`\nCannot destroy: ${findings.filter((f) => !f.ok).length} prerequisite(s) missing (above). Nothing was changed.`);
    return 2;
  }

  const project = projectPulumi(projectDir, args.stack);
  console.log(`Pulumi state: ${project.backend.description}.`);

  const confirm = args.yes || !pulumiWillPrompt();
  const destroyArgs = ["destroy", "--stack", args.stack, ...(confirm ? ["--yes"] : [])];
  console.log(`\n$ pulumi ${destroyArgs.join(" ")}`);
  const destroyed = await runPulumi(project, destroyArgs);
  if (destroyed !== 0) {
    console.error(`\npulumi destroy did not complete (exit code ${destroyed}). Fix what pulumi reported and run npm run down again.`);
    return 1;
  }
  console.log(
    `\nStack ${args.stack} is destroyed` +
      (clusterMode === "kind" ? ", and its kind cluster with it." : ".") +
      ` The empty stack stays with its settings; remove it too with: pulumi stack rm ${args.stack}` +
      (project.backend.env.PULUMI_BACKEND_URL ? ` (with PULUMI_BACKEND_URL=${project.backend.env.PULUMI_BACKEND_URL})` : ""),
  );
  return 0;
}

down(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: Error) => {
    console.error(e.message);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);

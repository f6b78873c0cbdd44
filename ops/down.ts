// `npm run down -- [--stack <name>] [--yes]` (ops/lib/commands.ts DOWN): `pulumi destroy` of the
// stack `npm run up` made, with the same backend (ops/lib/backend.ts). On kind the cluster is one
// of the stack's resources, so it is deleted with everything in it, the servers' data included;
// destroying it runs `kind delete cluster`, hence the same prerequisites as `up`. The stack itself
// (its settings and history) is kept, as `pulumi destroy` keeps it; the message says how to remove
// it too.
//
// Confirmation as in `npm run up`: pulumi asks on a terminal; elsewhere the script passes --yes.
// Exit code: 0 destroyed (or --help); 2 a prerequisite is missing or the command line is wrong
// (nothing was run); 1 pulumi failed.
import { helpText, parseCommandLine, runMain } from "./lib/cli-args";
import { DOWN } from "./lib/commands";
import { checkPrerequisites, describeFindings, prerequisitesFor } from "./lib/prerequisites";
import { projectPulumi, pulumiWillPrompt, runPulumi, stackClusterMode } from "./lib/pulumi-cli";

async function down(argv: string[]): Promise<number> {
  const line = parseCommandLine(DOWN, argv);
  if (line.help) {
    process.stdout.write(helpText(DOWN));
    return 0;
  }
  const args = { stack: line.value("stack") ?? "dev", yes: line.has("yes") };
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

runMain(DOWN, down);

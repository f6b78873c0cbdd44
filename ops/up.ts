// `npm run up -- [--stack <name>] [--yes] [--replace <urn>...]` (ops/lib/commands.ts UP): README's deploy command as
// one script. It checks what the stack needs on this machine, picks the Pulumi backend without
// touching the user's login (ops/lib/backend.ts), selects or creates the stack (dev by default),
// runs `pulumi up`, then `npm run verify` on the result.
//
// Confirmation: on a terminal pulumi shows its preview and asks before it changes anything, which
// is what a newcomer should see the first time; where pulumi cannot ask (no terminal, or CI) it
// refuses to run without --yes, so the script passes --yes there. `--yes` skips the question
// anywhere.
//
// A render stack only writes manifests: there is nothing to verify.
//
// Exit code: 0 deployed and healthy, or rendered (or --help); 2 a prerequisite is missing or the command line is
// wrong (nothing was run); 1 pulumi failed;
// otherwise verify's own code (3 degraded, 1 unhealthy, 2 could not check).
import * as fs from "fs";
import * as path from "path";
import { helpText, parseCommandLine, runMain } from "./lib/cli-args";
import { UP } from "./lib/commands";
import { checkImages, checkPrerequisites, describeFindings, prerequisitesFor } from "./lib/prerequisites";
import { projectPulumi, pulumiWillPrompt, runAttached, runPulumi, stackFileSettings } from "./lib/pulumi-cli";
import { stackImages } from "./lib/images";

const VERIFY_VERDICTS: Record<number, string> = {
  1: "unhealthy: the ensemble is not serving (see verify's report above)",
  2: "verify could not check the ensemble (see its report above)",
  3: "degraded: the ensemble serves, but not every server is healthy (see verify's report above)",
};

async function up(argv: string[]): Promise<number> {
  const line = parseCommandLine(UP, argv);
  if (line.help) {
    process.stdout.write(helpText(UP));
    return 0;
  }
  const args = { stack: line.value("stack") ?? "dev", yes: line.has("yes"), replace: line.values("replace") };
  const projectDir = process.cwd();
  const settings = stackFileSettings(projectDir, args.stack);
  const clusterMode = String(settings.clusterMode ?? "kind");
  console.log(`Deploying stack ${args.stack} (clusterMode ${clusterMode}).`);

  const findings = await checkPrerequisites(prerequisitesFor(clusterMode));
  // On kind the engine is here to ask the registry; an image that does not exist stops the deploy before anything is made.
  if (clusterMode === "kind" && findings.every((f) => f.ok)) findings.push(...(await checkImages(stackImages(settings))));
  console.log(`Prerequisites:\n${describeFindings(findings)}`);
  if (findings.some((f) => !f.ok)) {
    console.error(`\nCannot deploy: ${findings.filter((f) => !f.ok).length} prerequisite(s) missing (above). Nothing was changed.`);
    return 2;
  }

  const project = projectPulumi(projectDir, args.stack);
  console.log(`Pulumi state: ${project.backend.description}.`);

  const select = ["stack", "select", "--create", args.stack];
  console.log(`\n$ pulumi ${select.join(" ")}`);
  const selected = await runPulumi(project, select);
  if (selected !== 0) {
    console.error(`\npulumi stack select failed (exit code ${selected}); nothing was deployed.`);
    return 1;
  }

  const confirm = args.yes || !pulumiWillPrompt();
  const upArgs = ["up", "--stack", args.stack, ...(confirm ? ["--yes"] : []), ...args.replace.flatMap((urn) => ["--replace", urn])];
  console.log(
    `\n$ pulumi ${upArgs.join(" ")}` +
      (confirm ? "" : "\n(pulumi shows what it will create and asks before it changes anything; answer yes to deploy)"),
  );
  const deployed = await runPulumi(project, upArgs);
  if (deployed !== 0) {
    console.error(
      `\npulumi up did not complete (exit code ${deployed}); the ensemble was not verified. Fix what pulumi reported and run npm run up again.`,
    );
    return 1;
  }

  if (clusterMode === "render") {
    console.log(
      `\nStack ${args.stack} rendered its manifests to ${String(settings.renderYamlTo ?? "its renderYamlTo")}: nothing was deployed, ` +
        "so there is no ensemble to verify. Apply them with kubectl apply -f, or check a stack without the Pulumi CLI with npm run check.",
    );
    return 0;
  }

  // verify is its own command (ops/verify.ts); it runs with this process's runtime (tsx) and the
  // same backend environment, so it reads the stack just deployed.
  const verifyScript = path.join(projectDir, "ops", "verify.ts");
  if (!fs.existsSync(verifyScript)) {
    console.error(`\nDeployed, but ${path.relative(projectDir, verifyScript)} is missing, so the ensemble was not verified.`);
    return 2;
  }
  console.log(`\n$ npm run verify -- --stack ${args.stack}`);
  const verdict = await runAttached(process.execPath, [...process.execArgv, verifyScript, "--stack", args.stack], {
    cwd: projectDir,
    env: project.env,
  });
  if (verdict !== 0) {
    console.error(`\nDeployed, but ${VERIFY_VERDICTS[verdict] ?? `verify exited with code ${verdict}`}.`);
    return verdict;
  }
  console.log(
    `\nStack ${args.stack} is up and healthy.` +
      (clusterMode === "kind" ? " kind set your kubectl context to its cluster; docs/operations.md has the tutorial's checks." : "") +
      `\nRemove it again with: npm run down${args.stack === "dev" ? "" : ` -- --stack ${args.stack}`}`,
  );
  return 0;
}

runMain(UP, up);

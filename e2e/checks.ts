// The checks between drills: verify (the project's own command), the objects the tutorial names,
// the host endpoint, and after destroy that nothing is left behind.
import * as net from "net";
import * as path from "path";
import { spawn } from "child_process";
import { listClusters } from "../components/kind/kind-cli";
import { OPEN_ACL, ZkClient } from "../ops/lib/zk-client";
import { check } from "./assert";
import { isReady, Kube, TUTORIAL } from "./kube";
import type { ThrowawayStack } from "./stack";
import { waitFor } from "./wait";

const VERIFY_VERDICTS: Record<number, string> = { 1: "unhealthy", 2: "could not check", 3: "degraded" };

/** `npm run verify -- --stack <name>` as a subprocess, with the stack's backend and passphrase; must say healthy. */
export async function runVerify(projectDir: string, stack: ThrowawayStack): Promise<Record<string, unknown>> {
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, path.join(projectDir, "ops", "verify.ts"), "--stack", stack.name], {
      cwd: projectDir,
      env: { ...process.env, ...stack.env },
      stdio: ["ignore", "inherit", "inherit"],
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 300000);
    child.on("error", reject);
    child.on("close", (c) => {
      clearTimeout(timer);
      resolve(c ?? 2);
    });
  });
  check(code === 0, `verify says the ensemble is ${VERIFY_VERDICTS[code] ?? `not healthy (exit code ${code})`}`);
  return { exitCode: code };
}

/** Every object the tutorial names exists under the tutorial's name, as the tutorial describes it. */
export async function tutorialObjects(kube: Kube): Promise<Record<string, unknown>> {
  const ns = kube.namespace;
  const sts = await kube.apps.readNamespacedStatefulSet({ name: TUTORIAL.statefulSet, namespace: ns });
  check(sts.spec?.serviceName === TUTORIAL.headlessService, `StatefulSet zk's serviceName is ${sts.spec?.serviceName}, expected zk-hs`);
  check(sts.status?.readyReplicas === TUTORIAL.replicas, `StatefulSet zk has ${sts.status?.readyReplicas ?? 0} ready replicas, expected 3`);
  check(sts.spec?.podManagementPolicy === "Parallel", `StatefulSet zk's podManagementPolicy is ${sts.spec?.podManagementPolicy}`);

  const hs = await kube.core.readNamespacedService({ name: TUTORIAL.headlessService, namespace: ns });
  check(hs.spec?.clusterIP === "None", "Service zk-hs is not headless");
  check(hs.spec?.publishNotReadyAddresses === true, "Service zk-hs does not publish not-ready addresses");
  const hsPorts = (hs.spec?.ports ?? []).map((p) => `${p.name}:${p.port}`).sort();
  check(hsPorts.join(",") === "leader-election:3888,server:2888", `Service zk-hs has ports ${hsPorts.join(", ")}`);
  const cs = await kube.core.readNamespacedService({ name: TUTORIAL.clientService, namespace: ns });
  check(
    cs.spec?.ports?.some((p) => p.name === "client" && p.port === 2181),
    "Service zk-cs has no client port 2181",
  );

  const pdb = await kube.policy.readNamespacedPodDisruptionBudget({ name: TUTORIAL.disruptionBudget, namespace: ns });
  check(pdb.spec?.maxUnavailable === 1, `PodDisruptionBudget zk-pdb has maxUnavailable ${pdb.spec?.maxUnavailable}, expected 1`);
  check(
    pdb.status?.disruptionsAllowed === 1,
    `PodDisruptionBudget zk-pdb allows ${pdb.status?.disruptionsAllowed} disruptions, expected 1`,
  );

  const pods = await kube.pods();
  check(
    pods.map((p) => p.metadata?.name).join(",") === TUTORIAL.pods.join(","),
    `pods labelled app=zk: ${pods.map((p) => p.metadata?.name).join(", ")}`,
  );
  check(pods.every(isReady), `not every pod is Ready:\n${await kube.describePods()}`);
  const nodes = new Set(pods.map((p) => p.spec?.nodeName));
  check(
    nodes.size === TUTORIAL.replicas,
    `the servers share nodes: ${pods.map((p) => `${p.metadata?.name} on ${p.spec?.nodeName}`).join(", ")}`,
  );
  for (const pod of TUTORIAL.pods) {
    const claim = await kube.volumeOf(`datadir-${pod}`);
    check(claim, `claim datadir-${pod} is not bound`);
  }

  const leaders = await kube.leaders();
  check(leaders.length === 1, `expected one leader, found ${leaders.join(", ") || "none"}`);

  // The tutorial's sanity test, with the image's own zkCli.sh: write through zk-0, read through zk-1.
  const created = await kube.exec("zk-0", ["zkCli.sh", "-server", "127.0.0.1:2181", "create", "/hello", "world"], 120000);
  check(
    created.code === 0 && /Created \/hello|Node already exists/.test(created.stdout + created.stderr),
    `zkCli.sh create /hello on zk-0 failed: ${created.stderr.trim()}`,
  );
  const read = await kube.exec("zk-1", ["zkCli.sh", "-server", "127.0.0.1:2181", "get", "/hello"], 120000);
  check(
    /^world$/m.test(read.stdout),
    `zkCli.sh get /hello on zk-1 did not print world: ${read.stdout.trim().split("\n").slice(-3).join(" | ")}`,
  );
  return { nodes: [...nodes], leader: leaders[0] };
}

/** A four-letter word over plain TCP, bounded. */
function fourLetterWord(host: string, port: number, word: string, ms = 5000): Promise<string> {
  return new Promise((resolve) => {
    let answer = "";
    const socket = net.connect(port, host);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(done, ms);
    socket.on("connect", () => socket.write(word));
    socket.on("data", (d) => (answer += d));
    socket.on("end", done);
    socket.on("error", done);
  });
}

/** From the host, through hostEndpoint (a kind port mapping to the NodePort of the client Service). */
export async function hostEndpoint(stack: ThrowawayStack, outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const endpoint = `127.0.0.1:${stack.hostPort}`;
  check(outputs.hostEndpoint === endpoint, `the stack exports hostEndpoint ${JSON.stringify(outputs.hostEndpoint)}, expected ${endpoint}`);
  const mode = await waitFor(
    "srvr through the host endpoint to name a mode",
    async () => /^Mode: (\w+)$/m.exec(await fourLetterWord("127.0.0.1", stack.hostPort, "srvr"))?.[1],
    60000,
  );
  const client = await ZkClient.open(endpoint, { connectMs: 10000, requestMs: 10000 });
  try {
    const value = `from the host ${Date.now()}`;
    await client.createNode("/e2e-host", Buffer.from(value), OPEN_ACL);
    const back = (await client.read("/e2e-host")).data?.toString();
    check(back === value, `read ${JSON.stringify(back)} back through ${endpoint}, wrote ${JSON.stringify(value)}`);
  } finally {
    client.close();
  }
  return { endpoint, mode };
}

/** After destroy: no kind cluster of the stack, and no stack in the suite's backend. */
export async function nothingLeft(stack: ThrowawayStack): Promise<Record<string, unknown>> {
  const clusters = await listClusters();
  check(!clusters.includes(stack.clusterName), `kind cluster ${stack.clusterName} is still there after destroy`);
  const stacks = await stack.remove();
  check(stacks.length === 0, `the backend still holds stacks: ${stacks.join(", ")}`);
  return { kindClusters: clusters.length };
}

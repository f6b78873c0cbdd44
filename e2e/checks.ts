// The checks between drills: verify (the project's own command), the objects the tutorial names,
// the host endpoint, and after destroy that nothing is left behind.
import * as net from "net";
import * as path from "path";
import { spawn } from "child_process";
import { listClusters } from "../components/kind/kind-cli";
import { OPEN_ACL, ZkClient } from "../zk/zk-client";
import { check } from "./assert";
import { isReady, Kube } from "./kube";
import { tutorialNamesKept } from "./expected";
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

/**
 * Every object the tutorial names exists under the tutorial's name and as the program rendered it
 * (the Services' ports, the budget, the pods, their nodes and claims), and the tutorial's sanity test
 * passes: write through one server, read through another.
 */
export async function tutorialObjects(kube: Kube): Promise<Record<string, unknown>> {
  const e = kube.expected;
  const ns = e.namespace;
  tutorialNamesKept(e);
  const sts = await kube.apps.readNamespacedStatefulSet({ name: e.statefulSet, namespace: ns });
  check(
    sts.spec?.serviceName === e.headlessService,
    `StatefulSet ${e.statefulSet}'s serviceName is ${sts.spec?.serviceName}, expected ${e.headlessService}`,
  );
  check(
    sts.status?.readyReplicas === e.replicas,
    `StatefulSet ${e.statefulSet} has ${sts.status?.readyReplicas ?? 0} ready replicas, expected ${e.replicas}`,
  );
  check(
    sts.spec?.podManagementPolicy === e.podManagementPolicy,
    `StatefulSet ${e.statefulSet}'s podManagementPolicy is ${sts.spec?.podManagementPolicy}, expected ${e.podManagementPolicy}`,
  );

  const hs = await kube.core.readNamespacedService({ name: e.headlessService, namespace: ns });
  check(hs.spec?.clusterIP === "None", `Service ${e.headlessService} is not headless`);
  check(hs.spec?.publishNotReadyAddresses === true, `Service ${e.headlessService} does not publish not-ready addresses`);
  const ports = (svc: typeof hs) => (svc.spec?.ports ?? []).map((p) => `${p.name}:${p.port}`).sort();
  check(
    ports(hs).join(",") === e.headlessPorts.join(","),
    `Service ${e.headlessService} has ports ${ports(hs).join(", ") || "none"}, rendered ${e.headlessPorts.join(", ")}`,
  );
  const cs = await kube.core.readNamespacedService({ name: e.clientService, namespace: ns });
  check(
    ports(cs).join(",") === e.clientPorts.join(","),
    `Service ${e.clientService} has ports ${ports(cs).join(", ") || "none"}, rendered ${e.clientPorts.join(", ")}`,
  );

  if (e.budget) {
    const b = e.budget;
    const pdb = await kube.policy.readNamespacedPodDisruptionBudget({ name: b.name, namespace: ns });
    check(
      pdb.spec?.maxUnavailable === b.maxUnavailable && pdb.spec?.minAvailable === b.minAvailable,
      `PodDisruptionBudget ${b.name} has maxUnavailable ${pdb.spec?.maxUnavailable} and minAvailable ${pdb.spec?.minAvailable}, ` +
        `rendered ${b.maxUnavailable} and ${b.minAvailable}`,
    );
    check(
      pdb.status?.disruptionsAllowed === b.disruptionsAllowed,
      `PodDisruptionBudget ${b.name} allows ${pdb.status?.disruptionsAllowed} disruptions, expected ${b.disruptionsAllowed} with every server healthy`,
    );
  }

  const pods = await kube.pods();
  check(
    pods.map((p) => p.metadata?.name).join(",") === e.pods.join(","),
    `the ensemble's pods are ${pods.map((p) => p.metadata?.name).join(", ") || "none"}, expected ${e.pods.join(", ")}`,
  );
  check(pods.every(isReady), `not every pod is Ready:\n${await kube.describePods()}`);
  const nodes = new Set(pods.map((p) => p.spec?.nodeName));
  if (e.distinctNodes) {
    check(
      nodes.size === e.replicas,
      `the servers share nodes despite required anti-affinity: ${pods.map((p) => `${p.metadata?.name} on ${p.spec?.nodeName}`).join(", ")}`,
    );
  }
  for (const pod of e.pods) {
    const volume = await kube.volumeOf(pod);
    check(volume, `claim ${e.claimTemplate}-${pod} is not bound`);
  }

  const leaders = await kube.leaders();
  check(leaders.length === 1, `expected one leader, found ${leaders.join(", ") || "none"}`);

  // The tutorial's sanity test, with the image's own zkCli.sh: write through the first server, read through the second.
  const [writeThrough, readThrough = writeThrough] = e.pods;
  const server = `127.0.0.1:${e.podClientPort}`;
  const created = await kube.exec(writeThrough, ["zkCli.sh", "-server", server, "create", "/hello", "world"], 120000);
  check(
    created.code === 0 && /Created \/hello|Node already exists/.test(created.stdout + created.stderr),
    `zkCli.sh create /hello on ${writeThrough} failed: ${created.stderr.trim()}`,
  );
  const read = await kube.exec(readThrough, ["zkCli.sh", "-server", server, "get", "/hello"], 120000);
  check(
    /^world$/m.test(read.stdout),
    `zkCli.sh get /hello on ${readThrough} did not print world: ${read.stdout.trim().split("\n").slice(-3).join(" | ")}`,
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

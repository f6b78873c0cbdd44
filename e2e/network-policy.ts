// The NetworkPolicy enforced on the real cluster (kindnet enforces NetworkPolicy; `npm test` checks
// only its structure): a short-lived probe pod in the ensemble's namespace, without the ensemble's
// labels, on the servers' own image, tries a bounded TCP connect to every port each server listens
// on (through the servers' FQDNs) and to the client Service, and prints one line per target. What it
// must reach and what it must not is derived from the port table and the stack's settings, not
// written out here. The same probe run from inside a server (a peer, which the policy admits) shows
// that the ports the probe finds closed do accept peers, so "closed" means "refused by the policy",
// not "nothing listens". The pure parts (the command, the pod, the expectations, the parser, the
// verdict) are unit-tested in test/pure/e2e-network-policy.test.ts.
import * as crypto from "crypto";
import type { V1Pod } from "@kubernetes/client-node";
import { parseStackConfig } from "../config";
import { clientAccessOf } from "../config/derived";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../components/pod-security";
import type { ResolvedEnsemble } from "../components/zookeeper/options";
import { portFeatures } from "../components/zookeeper/options";
import { listeningPorts, PortAudience } from "../components/zookeeper/ports";
import { check } from "./assert";
import type { Kube } from "./kube";
import type { ThrowawayStack } from "./stack";
import { waitFor } from "./wait";

/** What decides who may reach which port. */
export type PolicySettings = Pick<ResolvedEnsemble, "networkPolicy" | "clientAccess" | "metrics" | "metricsAccessNamespace" | "tlsStage">;

/** Where the probe runs and what it aims at: the stack's own outputs. */
export interface ProbeScene {
  namespace: string;
  serverFqdns: string[];
  /** The client Service's host name (clientEndpoint without its port). */
  clientServiceHost: string;
  /** The probe pod's labels: it stands for a client with exactly these. */
  probeLabels: Record<string, string>;
}

export type Reach = "open" | "closed";

export interface Expectation {
  /** host:port, as the probe prints it. */
  target: string;
  host: string;
  port: number;
  portName: string;
  audience: PortAudience;
  expect: Reach;
  why: string;
}

/** open: connected; timeout: no answer within the bound (a dropped SYN); rejected: refused or unreachable at once; unresolved: no address. */
export type ProbeResult = "open" | "timeout" | "rejected" | "unresolved";

export interface ProbeLog {
  results: Map<string, ProbeResult>;
  /** The probe printed its last line: every target was tried. */
  done: boolean;
  /** Lines that are not the probe's (shown when something is missing). */
  other: string[];
}

export interface Verdict {
  failures: string[];
  /** One line per target: what was expected, what the probe (and the control) saw. */
  report: string[];
}

const RESULT_LINE = "np-probe";
const DONE_LINE = "np-probe-done";
/** Seconds each connect (and each name lookup) may take. */
export const CONNECT_SECONDS = 3;
/** The probe pod's own labels: not the ensemble's selector, so the policy treats it as any other pod. */
export const PROBE_LABELS = { "app.kubernetes.io/name": "zk-network-policy-probe", "app.kubernetes.io/part-of": "kind-zookeeper-e2e" };

/** The stack's settings that shape the policy and the ports, from its raw config (defaults for what it leaves unset). */
export function policySettings(raw: Record<string, string>, secretKeys: ReadonlySet<string> = new Set()): PolicySettings {
  const { config } = parseStackConfig(raw, secretKeys);
  return {
    networkPolicy: config.networkPolicy,
    clientAccess: clientAccessOf(config),
    metrics: config.metrics,
    metricsAccessNamespace: config.metricsAccessNamespace,
    tlsStage: config.tls,
  };
}

const hasLabels = (labels: Record<string, string>, wanted: Record<string, string>) =>
  Object.entries(wanted).every(([k, v]) => labels[k] === v);

/** Whether a pod with `probeLabels` in the ensemble's namespace may reach a port of this audience, and why. */
function reachOf(audience: PortAudience, s: PolicySettings, scene: ProbeScene): { expect: Reach; why: string } {
  if (audience === "pod") return { expect: "closed", why: "bound to the pod's loopback" };
  if (!s.networkPolicy) return { expect: "open", why: "networkPolicy is off" };
  if (audience === "peers") return { expect: "closed", why: "peers only: the ensemble's own pods" };
  if (audience === "clients") {
    const access = s.clientAccess;
    if (access.mode === "any") return { expect: "open", why: "clientAccess any" };
    if (access.mode === "namespace") return { expect: "open", why: "clientAccess namespace: the probe runs in it" };
    const label = Object.entries(access.label)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    return hasLabels(scene.probeLabels, access.label)
      ? { expect: "open", why: `clientAccess labelled: the probe carries ${label}` }
      : { expect: "closed", why: `clientAccess labelled: the probe lacks ${label}` };
  }
  const ns = s.metricsAccessNamespace;
  if (ns === undefined) return { expect: "open", why: "metricsAccessNamespace unset: any pod" };
  return ns === scene.namespace
    ? { expect: "open", why: `metricsAccessNamespace ${ns}: the probe runs in it` }
    : { expect: "closed", why: `metricsAccessNamespace ${ns}: the probe runs in ${scene.namespace}` };
}

/**
 * Every target of the probe with what it must find: each port a server listens on (the port table,
 * with the stack's features), on every server's FQDN, and the client ports on the client Service too.
 */
export function expectations(s: PolicySettings, scene: ProbeScene): Expectation[] {
  const ports = listeningPorts(portFeatures(s));
  const aim = (host: string, p: (typeof ports)[number]): Expectation => ({
    target: `${host}:${p.port}`,
    host,
    port: p.port,
    portName: p.name,
    audience: p.audience,
    ...reachOf(p.audience, s, scene),
  });
  return [
    ...ports.filter((p) => p.audience === "clients").map((p) => aim(scene.clientServiceHost, p)),
    ...scene.serverFqdns.flatMap((host) => ports.map((p) => aim(host, p))),
  ];
}

/**
 * The probe, for bash: each target (host:port) at once in the background, a bounded name lookup, then
 * a bounded connect (`</dev/tcp/host/port`, which needs no nc flags), one line per target, then a last
 * line saying that every target was tried. Exits 0: the verdict is read from the lines.
 */
const PROBE_SCRIPT = `
t=$1; shift
probe() {
  local host=\${1%:*} port=\${1##*:} result
  if ! timeout "$t" getent hosts "$host" >/dev/null 2>&1; then
    result=unresolved
  else
    timeout "$t" bash -c '</dev/tcp/$0/$1' "$host" "$port" >/dev/null 2>&1
    case $? in 0) result=open ;; 124) result=timeout ;; *) result=rejected ;; esac
  fi
  printf '${RESULT_LINE} %s %s %s\\n' "$host" "$port" "$result"
}
for target in "$@"; do probe "$target" & done
wait
echo "${DONE_LINE} $#"
`;

/** The probe's command (a container's `command`, or an exec's). */
export function probeCommand(targets: string[], seconds = CONNECT_SECONDS): string[] {
  if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`the probe's bound must be a whole number of seconds, not ${seconds}`);
  for (const t of targets) if (!/^[A-Za-z0-9.-]+:\d+$/.test(t)) throw new Error(`not a host:port target: ${JSON.stringify(t)}`);
  return ["bash", "-c", PROBE_SCRIPT, "np-probe", String(seconds), ...targets];
}

/**
 * The probe pod: the servers' image (on the nodes already), Pod Security `restricted` (the namespace
 * enforces it), no service account token, never restarted, ended by the kubelet after `deadlineSeconds`.
 */
export function probePod(p: {
  name: string;
  namespace: string;
  image: string;
  uid: number;
  labels: Record<string, string>;
  command: string[];
  deadlineSeconds: number;
}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
    spec: {
      restartPolicy: "Never",
      activeDeadlineSeconds: p.deadlineSeconds,
      terminationGracePeriodSeconds: 0,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurity(p.uid),
      containers: [
        {
          name: "probe",
          image: p.image,
          imagePullPolicy: "IfNotPresent",
          command: p.command,
          securityContext: restrictedContainerSecurity(),
          resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
        },
      ],
    },
  };
}

/** The probe's lines (from its log, or an exec's output). */
export function parseProbeLog(log: string): ProbeLog {
  const results = new Map<string, ProbeResult>();
  const other: string[] = [];
  let done = false;
  const line = new RegExp(`^${RESULT_LINE} (\\S+) (\\d+) (open|timeout|rejected|unresolved)$`);
  const last = new RegExp(`^${DONE_LINE} \\d+$`);
  for (const text of log.split("\n").map((l) => l.trimEnd())) {
    const m = line.exec(text);
    if (m) results.set(`${m[1]}:${m[2]}`, m[3] as ProbeResult);
    else if (last.test(text)) done = true;
    else if (text) other.push(text);
  }
  return { results, done, other };
}

const seen = (r: ProbeResult | undefined) => r ?? "no line";

/**
 * Each target as expected. `control` is the same probe run from a server (a peer): a peer port the
 * probe finds closed proves the policy only if a peer reaches it, so every peer port must accept a peer
 * on at least one server (the quorum port listens on the leader alone).
 */
export function judge(expected: Expectation[], probe: ProbeLog, control?: ProbeLog): Verdict {
  const failures: string[] = [];
  const report: string[] = [];
  if (!probe.done) {
    const tail = probe.other.slice(-3).join(" | ");
    failures.push(`the probe did not finish (its log lacks the last line)${tail ? `; it printed: ${tail}` : ""}`);
  }
  for (const e of expected) {
    const got = probe.results.get(e.target);
    const peer = control?.results.get(e.target);
    report.push(
      `${e.target} (${e.portName}, ${e.audience}): expected ${e.expect} (${e.why}); probe ${seen(got)}${peer ? `, peer ${peer}` : ""}`,
    );
    if (got === undefined) failures.push(`${e.target} (${e.portName}): the probe printed no line for it`);
    else if (got === "unresolved")
      failures.push(`${e.target} (${e.portName}): the probe could not resolve ${e.host}, which proves nothing`);
    else if (e.expect === "open" && got !== "open")
      failures.push(
        `${e.target} (${e.portName}) must accept the probe pod (${e.why}) but the connect ${got === "timeout" ? "timed out" : "was rejected"}`,
      );
    else if (e.expect === "closed" && got === "open")
      failures.push(`${e.target} (${e.portName}) must be closed to the probe pod (${e.why}) but it accepted a connection`);
  }
  if (control) {
    if (!control.done) failures.push("the probe from a server (the control) did not finish");
    const peerPorts = [...new Set(expected.filter((e) => e.audience === "peers").map((e) => e.portName))];
    for (const name of peerPorts) {
      const targets = expected.filter((e) => e.audience === "peers" && e.portName === name);
      if (!targets.some((e) => control.results.get(e.target) === "open"))
        failures.push(
          `no server accepted a peer on ${name} (${targets.map((e) => `${e.target} ${seen(control.results.get(e.target))}`).join(", ")}): ` +
            "the probe's closed proves nothing",
        );
    }
  }
  return { failures, report };
}

const DEADLINE_SECONDS = 90;

const isNotFound = (e: unknown) => (e as { code?: number }).code === 404;

/** The probe pod's log, read once it has ended (Succeeded, or Failed e.g. by its deadline). */
async function runProbePod(kube: Kube, body: ReturnType<typeof probePod>): Promise<{ pod: V1Pod; log: string; seconds: number }> {
  const { name, namespace } = body.metadata;
  const started = Date.now();
  await kube.core.createNamespacedPod({ namespace, body });
  const pod = await waitFor(
    `probe pod ${name} to end (admitted under restricted, started, every connect tried)`,
    async () => {
      const p = await kube.core.readNamespacedPod({ name, namespace });
      return p.status?.phase === "Succeeded" || p.status?.phase === "Failed" ? p : undefined;
    },
    (DEADLINE_SECONDS + 30) * 1000,
    {
      describe: async () => {
        const p = await kube.core.readNamespacedPod({ name, namespace });
        const waiting = p.status?.containerStatuses?.[0]?.state?.waiting;
        return `  ${name} ${p.status?.phase}${waiting ? ` (${waiting.reason}: ${waiting.message ?? ""})` : ""} node=${p.spec?.nodeName ?? "-"}`;
      },
    },
  );
  const seconds = (Date.now() - started) / 1000;
  // A pod that failed before its container ran (e.g. its deadline while pulling) has no log: the verdict says it did not finish.
  const log = await kube.core
    .readNamespacedPodLog({ name, namespace, container: "probe" })
    .catch((e: Error) => `(no log: ${e.message.split("\n")[0]})`);
  return { pod, log, seconds };
}

/** Deletes the probe pod and waits until it is gone. */
async function removeProbePod(kube: Kube, name: string, namespace: string): Promise<void> {
  try {
    await kube.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  await waitFor(
    `probe pod ${name} to be gone`,
    async () => {
      try {
        await kube.core.readNamespacedPod({ name, namespace });
        return false;
      } catch (e) {
        if (isNotFound(e)) return true;
        throw e;
      }
    },
    60000,
  );
}

/**
 * The phase: the probe pod's verdict, with the same probe from a server as the control; the probe pod
 * is deleted at the end, also when a step failed.
 */
export async function networkPolicyEnforced({
  kube,
  stack,
  outputs,
}: {
  kube: Kube;
  stack: ThrowawayStack;
  outputs: Record<string, unknown>;
}): Promise<Record<string, unknown>> {
  const { raw, secretKeys } = await stack.config();
  const settings = policySettings(raw, secretKeys);
  const namespace = outputs.namespace;
  const serverFqdns = outputs.serverFqdns;
  const clientEndpoint = outputs.clientEndpoint;
  check(typeof namespace === "string", "the stack exports no namespace");
  check(Array.isArray(serverFqdns) && serverFqdns.length > 0, "the stack exports no serverFqdns");
  check(typeof clientEndpoint === "string" && clientEndpoint.includes(":"), "the stack exports no clientEndpoint");
  const probeLabels: Record<string, string> = {
    ...PROBE_LABELS,
    // With clientAccess labelled the probe is the labelled client: it must reach the client ports.
    ...(settings.clientAccess.mode === "labelled" ? settings.clientAccess.label : {}),
  };
  check(
    !hasLabels(probeLabels, kube.expected.podSelector),
    `the probe would carry the servers' labels ${JSON.stringify(kube.expected.podSelector)}: the policy would admit it as a peer`,
  );
  const pods = await kube.pods();
  const scene: ProbeScene = {
    namespace,
    serverFqdns: serverFqdns as string[],
    clientServiceHost: clientEndpoint.slice(0, clientEndpoint.lastIndexOf(":")),
    probeLabels,
  };
  const expected = expectations(settings, scene);

  const { statefulSet, container } = kube.expected;
  const sts = await kube.apps.readNamespacedStatefulSet({ name: statefulSet, namespace });
  const image = sts.spec?.template.spec?.containers.find((c) => c.name === container)?.image;
  const uid = sts.spec?.template.spec?.securityContext?.runAsUser;
  check(image && uid !== undefined, `StatefulSet ${statefulSet} names no image or runAsUser for ${container}`);

  const name = `zk-np-probe-${crypto.randomBytes(3).toString("hex")}`;
  const body = probePod({
    name,
    namespace,
    image,
    uid,
    labels: probeLabels,
    command: probeCommand(expected.map((e) => e.target)),
    deadlineSeconds: DEADLINE_SECONDS,
  });
  let ran: Awaited<ReturnType<typeof runProbePod>>;
  try {
    ran = await runProbePod(kube, body);
  } catch (e) {
    await removeProbePod(kube, name, namespace).catch((err: Error) => console.error(`could not delete probe pod ${name}: ${err.message}`));
    throw e;
  }
  const removing = Date.now();
  await removeProbePod(kube, name, namespace);
  const removeSeconds = (Date.now() - removing) / 1000;

  // The control: the same probe from a server, to the peer ports only.
  const peerTargets = expected.filter((e) => e.audience === "peers").map((e) => e.target);
  const controlPod = pods[0]?.metadata?.name;
  check(controlPod, "no server pod to run the control from");
  const control = peerTargets.length ? parseProbeLog((await kube.exec(controlPod, probeCommand(peerTargets), 60000)).stdout) : undefined;

  const probe = parseProbeLog(ran.log);
  const verdict = judge(expected, probe, control);
  for (const line of verdict.report) console.log(`  ${line}`);
  const node = ran.pod.spec?.nodeName;
  const sameNode = pods.filter((p) => p.spec?.nodeName === node).map((p) => p.metadata?.name);
  const ended = `${ran.pod.status?.phase}${ran.pod.status?.reason ? ` (${ran.pod.status.reason})` : ""}`;
  check(
    verdict.failures.length === 0,
    `the NetworkPolicy is not enforced as the settings say (probe pod ${ended} on ${node}, beside ${sameNode.join(", ") || "no server"}):\n  ` +
      verdict.failures.join("\n  "),
  );
  return {
    probePod: name,
    image,
    node,
    besideServers: sameNode,
    probeSeconds: ran.seconds,
    removeSeconds,
    controlFrom: controlPod,
    results: Object.fromEntries(
      expected.map((e) => [e.target, { expected: e.expect, probe: probe.results.get(e.target), peer: control?.results.get(e.target) }]),
    ),
  };
}

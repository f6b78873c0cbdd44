// A real Kubernetes control plane for the cluster tier, from the judges (judges/judges.ts): etcd,
// kube-apiserver, kube-controller-manager and kube-scheduler at the pinned 1.36 release, started by
// kwokctl's binary runtime with every listener on 127.0.0.1, and kwok for the nodes: it marks the
// nodes Ready, the pods scheduled to them Running and Ready, and a Job's pods Succeeded, without
// running a container. The test adds the nodes a stack's placement needs (kind's shape, or zones)
// and static volumes for the claims (no provisioner runs). Nothing of the user's is read or
// written: the kubeconfig kwokctl would add to ~/.kube/config goes to the run's own folder.
// Everything it starts is stopped by stop(), also after a failure (the suites call it in after()).
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { judgesBin, judgesBuilt } from "../judges/judges";
import { onInterrupt } from "./interrupt";
import { ServerPodLabel, stagesForStandIns } from "./kwok-stages";

export interface NodeShape {
  name: string;
  labels?: Record<string, string>;
  taints?: { key: string; effect: string; value?: string }[];
}

/** Why the cluster tier cannot run here, or undefined when it can. */
export function clusterTierMissing(): string | undefined {
  if (!judgesBuilt())
    return `the judges are not built for this recipe: run npm run judges (the first build takes 20-40 minutes; ${judgesBin()})`;
  return undefined;
}

const run = (command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) =>
  new Promise<string>((resolve, reject) =>
    execFile(command, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${path.basename(command)} ${args.join(" ")}: ${stderr.trim() || err.message}`)) : resolve(stdout),
    ),
  );

/** kwokctl's components, by its flag names, and the judges' binary that is each. */
const COMPONENTS = {
  "kube-apiserver": "kube-apiserver",
  "kube-controller-manager": "kube-controller-manager",
  "kube-scheduler": "kube-scheduler",
  etcd: "etcd",
  "kwok-controller": "kwok",
};

/** A pod's port, and the address a port-forward to it reaches instead. */
export interface PodForward {
  namespace: string;
  pod: string;
  port: number;
  target: { address: string; port: number };
}

export class ControlPlane {
  private forgetInterrupt = () => {};

  private constructor(
    readonly name: string,
    readonly dir: string,
    /** The admin kubeconfig (a file in the run's folder). */
    readonly kubeconfigPath: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The admin kubeconfig with its certificates inline (as kind prints one), for the programs under test. */
  kubeconfig(): Promise<string> {
    return this.kubectl(["config", "view", "--raw", "--minify", "--flatten"]);
  }

  /**
   * Creates the control plane (about 5 s); no nodes yet. `forwards`: where a port-forward to a pod's
   * port lands (kwok's kubelet API answers the API server's port-forward by dialling the target),
   * for pods that run no container: a real server on loopback stands in for each.
   * `standIns`: PodStandIns (pod-stand-ins.ts) does a kubelet's part for the pods of the program's
   * Jobs (kwok leaves them running for it to run their code and complete them) and for the server
   * pods, which carry this label (kwok leaves their deletion to it); otherwise kwok completes every
   * Job's pod and removes every deleted pod at once.
   */
  static async start(
    name: string,
    { forwards = [], standIns }: { forwards?: PodForward[]; standIns?: { serverPods: ServerPodLabel } } = {},
  ): Promise<ControlPlane> {
    const bin = judgesBin();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kz-cp-"));
    const config = path.join(dir, "kwokctl.yaml");
    // No flag binds kwokctl's components to loopback; its configuration does (options.bindAddress).
    fs.writeFileSync(
      config,
      [
        "apiVersion: config.kwok.x-k8s.io/v1alpha1",
        "kind: KwokctlConfiguration",
        "options:",
        "  bindAddress: 127.0.0.1",
        `  kubectlBinary: ${bin}/kubectl`,
        // kwok reads its PortForward objects from this file when their CRD is not enabled
        // (kubernetes-sigs/kwok v0.8.0 pkg/kwokctl/runtime/cluster.go, FilterWithTypeFromContext[*PortForward]).
        ...forwards.flatMap((f) => [
          "---",
          "apiVersion: kwok.x-k8s.io/v1alpha1",
          "kind: PortForward",
          "metadata:",
          `  name: ${f.pod}`,
          `  namespace: ${f.namespace}`,
          "spec:",
          "  forwards:",
          `  - ports: [${f.port}]`,
          "    target:",
          `      address: ${f.target.address}`,
          `      port: ${f.target.port}`,
        ]),
        ...(standIns ? stagesForStandIns(standIns.serverPods).flatMap((stage) => ["---", stage.trimEnd()]) : []),
        "",
      ].join("\n"),
    );
    const env = { ...process.env, KWOK_WORKDIR: path.join(dir, "kwok"), HOME: dir, KUBECONFIG: path.join(dir, "ambient-kubeconfig") };
    const plane = new ControlPlane(name, dir, path.join(dir, "kwok", "clusters", name, "kubeconfig.yaml"), env);
    // kwokctl's components run in the background, where Ctrl-C of the test run does not reach them.
    plane.forgetInterrupt = onInterrupt(() => plane.stop());
    try {
      await run(
        path.join(bin, "kwokctl"),
        [
          "--config",
          config,
          "create",
          "cluster",
          "--name",
          name,
          "--runtime",
          "binary",
          "--kubeconfig",
          path.join(dir, "ambient-kubeconfig"),
          ...Object.entries(COMPONENTS).flatMap(([component, binary]) => [`--${component}-binary`, path.join(bin, binary)]),
          "--wait",
          "2m",
        ],
        env,
        180000,
      );
    } catch (e) {
      await plane.stop();
      throw e;
    }
    return plane;
  }

  /** kubectl against this control plane, bounded. */
  kubectl(args: string[], input?: string, timeoutMs = 60000): Promise<string> {
    const env = { ...this.env, KUBECONFIG: this.kubeconfigPath };
    if (input === undefined) return run(path.join(judgesBin(), "kubectl"), args, env, timeoutMs);
    return new Promise((resolve, reject) => {
      const child = execFile(path.join(judgesBin(), "kubectl"), args, { env, timeout: timeoutMs }, (err, stdout, stderr) =>
        err ? reject(new Error(`kubectl ${args.join(" ")}: ${stderr.trim() || err.message}`)) : resolve(stdout),
      );
      child.stdin!.end(input);
    });
  }

  async apply(objects: object[]): Promise<void> {
    await this.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
  }

  /** Nodes kwok manages (its annotation), each with its own hostname label and room for any pod. */
  async addNodes(nodes: NodeShape[]): Promise<void> {
    const capacity = { cpu: "32", memory: "256Gi", pods: "110" };
    await this.apply(
      nodes.map((n) => ({
        apiVersion: "v1",
        kind: "Node",
        metadata: {
          name: n.name,
          annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
          labels: {
            "kubernetes.io/hostname": n.name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            type: "kwok",
            ...n.labels,
          },
        },
        spec: { taints: n.taints ?? [] },
        status: { capacity, allocatable: capacity },
      })),
    );
    await this.kubectl(["wait", "--for=condition=Ready", "node", ...nodes.map((n) => n.name), "--timeout=60s"]);
  }

  /** Static volumes of a class (no provisioner runs here), kept when released, as README's Retain promises. */
  async addVolumes(count: number, storageClassName: string, size = "100Gi", prefix = "pv"): Promise<void> {
    await this.apply(
      Array.from({ length: count }, (_, i) => ({
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: `${prefix}-${i}` },
        spec: {
          capacity: { storage: size },
          accessModes: ["ReadWriteOnce"],
          persistentVolumeReclaimPolicy: "Retain",
          storageClassName,
          hostPath: { path: `/var/lib/kz-volumes/${prefix}-${i}` },
        },
      })),
    );
  }

  /** Objects of a kind (all namespaces), as JSON. */
  async list(kind: string, namespace?: string): Promise<any[]> {
    const out = await this.kubectl(["get", kind, ...(namespace ? ["-n", namespace] : ["--all-namespaces"]), "-o", "json"]);
    return JSON.parse(out).items;
  }

  /** One object by its kind and name, as JSON; undefined when the API server has none. */
  async get(kind: string, name: string, namespace?: string): Promise<unknown | undefined> {
    const out = await this.kubectl(["get", kind, name, ...(namespace ? ["-n", namespace] : []), "-o", "json", "--ignore-not-found"]);
    return out.trim() ? JSON.parse(out) : undefined;
  }

  /** Deletes the control plane and every process kwokctl started, then the run's folder. */
  async stop(): Promise<void> {
    try {
      await run(
        path.join(judgesBin(), "kwokctl"),
        ["delete", "cluster", "--name", this.name, "--kubeconfig", path.join(this.dir, "ambient-kubeconfig")],
        this.env,
        120000,
      );
    } catch {
      // Whatever kwokctl did not stop: every process started from this run's folder.
      const pids = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" })
        .split("\n")
        .filter((l) => l.includes(this.dir))
        .map((l) => Number(l.trim().split(/\s+/)[0]));
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone already
        }
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    this.forgetInterrupt();
  }
}

/** kind's shape (kubernetes-sigs/kind v0.32.0): <name>-control-plane, tainted when it has workers, then <name>-worker, -worker2, ... */
export function kindNodes(cluster: string, workers: number): NodeShape[] {
  return [
    {
      name: `${cluster}-control-plane`,
      labels: { "node-role.kubernetes.io/control-plane": "" },
      taints: workers > 0 ? [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] : [],
    },
    ...Array.from({ length: workers }, (_, i) => ({ name: `${cluster}-worker${i === 0 ? "" : i + 1}` })),
  ];
}

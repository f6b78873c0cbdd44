// kwok's stages for a control plane where PodStandIns (pod-stand-ins.ts) does a kubelet's part for some
// pods: kwok's defaults, read from its source at the version the judges build, except that kwok never
// completes a pod running the jobs bundle (the stand-in completes it with the exit code of the code
// it ran), and never removes a deleted server pod (the stand-in stops its server first, then removes
// it, as a kubelet confirms a graceful deletion only once the containers stopped; kwok's own
// pod-delete removes a pod at once, and the StatefulSet would make its successor while the old server
// still serves).
//
// kwokctl uses its default stages only when its configuration names no Stage at all; one Stage
// replaces them all, the nodes' too (kubernetes-sigs/kwok v0.8.0 pkg/kwokctl/runtime/cluster.go,
// getDefaultNodeStages and getDefaultPodStages: node-initialize and node-heartbeat-with-lease of
// kustomize/stage/node, pod-ready, pod-complete and pod-delete of kustomize/stage/pod/fast; the
// heartbeat's delays stay as written for the default 10 s status frequency and 40 s lease).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { VERSIONS } from "../judges/judges";
import { NODE_JOB_CODE } from "../components/node-job/pod";

const DEFAULT_STAGES = [
  "kustomize/stage/node/fast/node-initialize.yaml",
  "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
  "kustomize/stage/pod/fast/pod-ready.yaml",
  "kustomize/stage/pod/fast/pod-complete.yaml",
  "kustomize/stage/pod/fast/pod-delete.yaml",
];

/** The jobs bundle's path in a Job's container, as the program renders its command line. */
export const JOBS_CODE_PATH = `${NODE_JOB_CODE.dir}/${NODE_JOB_CODE.script}`;

/** kwok's module source at the judges' version (Go's module cache; the judges' build put it there). */
function kwokSource(): string {
  const out = execFileSync("go", ["mod", "download", "-json", `sigs.k8s.io/kwok@${VERSIONS.kwok}`], {
    encoding: "utf8",
    timeout: 120000,
    env: { ...process.env, GOFLAGS: "-mod=mod" },
  });
  return JSON.parse(out).Dir as string;
}

/** A label that marks the server pods (the ensemble's pod selector has one: app). */
export interface ServerPodLabel {
  key: string;
  value: string;
}

/** The stages, as YAML documents for kwokctl's configuration file. */
export function stagesForStandIns(serverPods: ServerPodLabel): string[] {
  const dir = kwokSource();
  return DEFAULT_STAGES.map((file) => {
    const stage = yaml.load(fs.readFileSync(path.join(dir, file), "utf8")) as any;
    // kwok's selectors: NotIn holds when no value of the query is in the list (pkg/utils/expression/selector.go).
    const expressions = stage.spec.selector.matchExpressions;
    if (stage.metadata.name === "pod-complete") {
      expressions.push({ key: ".spec.containers.[].command.[]", operator: "NotIn", values: [JOBS_CODE_PATH] });
    }
    if (stage.metadata.name === "pod-delete") {
      expressions.push({ key: `.metadata.labels[${JSON.stringify(serverPods.key)}]`, operator: "NotIn", values: [serverPods.value] });
    }
    return yaml.dump(stage);
  });
}

// The next commands of `verify --stack`, as kubectl commands against the stack's own cluster: with
// --context when the stack names one, since kubectl's current context may be another cluster.
import { StackTarget } from "./stack-target";
import { NextCommands } from "../../../zk/verify/endpoint";

export function kubectl(t: StackTarget, args: string): string {
  return `kubectl${t.kubeContext ? ` --context ${t.kubeContext}` : ""} ${args} -n ${t.namespace}`;
}

export function kubectlNext(t: StackTarget): NextCommands {
  return {
    // The image has no nc; bash's /dev/tcp asks the server on the pod's own loopback (README).
    ask: (e, word) => `${kubectl(t, `exec ${e.label}`)} -- bash -c 'exec 3<>/dev/tcp/127.0.0.1/2181; printf ${word} >&3; cat <&3'`,
    // A pod that does not run has no log yet: its events say why.
    why: (e) => kubectl(t, e.unavailable ? `describe pod ${e.label}` : `logs ${e.label}`),
  };
}

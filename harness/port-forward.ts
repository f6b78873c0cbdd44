// A stand-in of the Kubernetes API for port-forward alone, framed as the kubelet frames it, so that
// @kubernetes/client-node's PortForward (ops/lib/verify/tunnel.ts) reaches real ZooKeeper servers on
// loopback as it would reach pods: used by verify --stack's checks and by backup and restore --stack.
import * as http from "http";
import * as net from "net";
import type { V1Pod } from "@kubernetes/client-node";
import type { Cluster } from "../ops/lib/verify/stack-mode";
import type { Tunnel } from "../ops/lib/verify/tunnel";

export interface PortForwardStandIn {
  url: string;
  /** Every forward opened, as `<namespace>/<pod>:<port>`. */
  forwarded: string[];
  /** Forwards open now (WebSockets not yet closed). */
  open(): number;
  close(): Promise<void>;
}

/** A kubeconfig for the stand-in: its URL without TLS, a token it does not check. */
export function portForwardKubeconfig(url: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    `clusters: [{name: c, cluster: {server: "${url}", insecure-skip-tls-verify: true}}]`,
    "users: [{name: u, user: {token: t}}]",
    "contexts: [{name: c, context: {cluster: c, user: u}}]",
    "current-context: c",
    "",
  ].join("\n");
}

/**
 * A stand-in API server for port-forward alone, framed as the kubelet frames it (kubernetes
 * pkg/kubelet/cri/streaming/portforward/websocket.go, protocol v4.channel.k8s.io): per port a data
 * channel 0 and an error channel 1, each opened with the port as 2 bytes little endian; the
 * connection to the pod's port relayed on channel 0; a failure written to channel 1; the WebSocket
 * closed when the pod's side closes. Pod zk-N's port is reached at `address(pod)`.
 */
export async function startPortForwardStandIn(address: (pod: string) => string): Promise<PortForwardStandIn> {
  // ws is @kubernetes/client-node's own WebSocket library (a dependency of it).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { WebSocketServer } = require("ws");
  const forwarded: string[] = [];
  const server = http.createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (p: Set<string>) => (p.has("v4.channel.k8s.io") ? "v4.channel.k8s.io" : false),
  });
  server.on("upgrade", (req, socket, head) => {
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward\?ports=(\d+)$/.exec(req.url ?? "");
    if (!m) {
      socket.destroy();
      return;
    }
    const [, namespace, pod, portText] = m;
    const port = Number(portText);
    wss.handleUpgrade(req, socket, head, (ws: any) => {
      forwarded.push(`${namespace}/${pod}:${port}`);
      const frame = (channel: number, data: Buffer) => ws.send(Buffer.concat([Buffer.from([channel]), data]));
      const portBytes = Buffer.alloc(2);
      portBytes.writeUInt16LE(port);
      frame(0, portBytes);
      frame(1, portBytes);
      const target = net.connect(port, address(pod));
      target.on("data", (d) => frame(0, d));
      target.on("end", () => ws.close());
      target.on("error", (e) => {
        frame(1, Buffer.from(`error forwarding port ${port} to pod ${pod}, uid : ${e.message}`));
        ws.close();
      });
      ws.on("message", (d: Buffer) => {
        if (d[0] === 0) target.write(d.subarray(1));
      });
      ws.on("close", () => target.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    forwarded,
    open: () => wss.clients.size,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * What `verify --stack` reads of a healthy ensemble of `replicas` pods `zk-<i>` (the objects as the
 * API would list them: reading them for real is the e2e suite's to prove), each pod's client port
 * reached through `tunnel` (openTunnel against the stand-in).
 */
export function healthyCluster(replicas: number, tunnel: (pod: string) => Promise<Tunnel>): Cluster {
  const ordinals = Array.from({ length: replicas }, (_, i) => i);
  const pod = (i: number): V1Pod => ({
    metadata: { name: `zk-${i}`, labels: { app: "zk" } },
    spec: { nodeName: `worker${i}`, containers: [] },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }], containerStatuses: [] },
  });
  return {
    read: async () => ({
      pods: ordinals.map(pod),
      claims: Object.fromEntries(
        ordinals.map((i) => [
          `datadir-zk-${i}`,
          {
            spec: { storageClassName: "zookeeper-data", volumeName: `pv-${i}` },
            status: { phase: "Bound", capacity: { storage: "10Gi" } },
          },
        ]),
      ),
      pdb: {
        spec: { maxUnavailable: 1 },
        status: { disruptionsAllowed: 1, currentHealthy: replicas, desiredHealthy: Math.floor(replicas / 2) + 1, expectedPods: replicas },
      },
      claimTemplate: "datadir",
    }),
    tunnel,
  };
}

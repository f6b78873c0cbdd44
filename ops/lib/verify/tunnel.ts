// A local TCP port that reaches one pod's port through the Kubernetes API (port-forward over a
// WebSocket, as `kubectl port-forward` does), so that each server is checked on its own rather than
// through the client Service, which picks a server at random.
import * as net from "net";
import { Writable } from "stream";
import type { KubeConfig } from "@kubernetes/client-node";
import { apiError } from "./kube-reader";

export interface Tunnel {
  host: string;
  port: number;
  /** The last failure of a forwarded connection (the API refused the port-forward, the pod's port refused). */
  lastError(): string | undefined;
  /** Whether the API opened a forward for any connection: false when it refused every one. */
  forwarded(): boolean;
  close(): Promise<void>;
}

export async function openTunnel(kc: KubeConfig, namespace: string, pod: string, remotePort: number): Promise<Tunnel> {
  const { PortForward } = await import("@kubernetes/client-node");
  const forward = new PortForward(kc);
  const sockets = new Set<net.Socket>();
  const webSockets = new Set<{ close(): void; terminate?(): void }>();
  let lastError: string | undefined;
  let forwarded = false;

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    // The kubelet reports a failure inside the pod (nothing listens on the port) on the error stream.
    const errors = new Writable({
      write(chunk, _encoding, done) {
        const text = chunk.toString().trim();
        if (text) lastError = `port-forward to ${pod}: ${text}`;
        done();
      },
    });
    forward.portForward(namespace, pod, [remotePort], socket, errors, socket).then(
      (ws: any) => {
        forwarded = true;
        webSockets.add(ws);
        ws.on?.("close", () => {
          webSockets.delete(ws);
          socket.end();
        });
        ws.on?.("error", (e: unknown) => {
          lastError = `port-forward to ${pod}: ${apiError(e)}`;
          socket.destroy();
        });
        socket.on("close", () => ws.close());
      },
      (e: unknown) => {
        lastError = `port-forward to ${pod} refused: ${(e as any)?.message ?? apiError(e)}`;
        socket.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    host: "127.0.0.1",
    port: (server.address() as net.AddressInfo).port,
    lastError: () => lastError,
    forwarded: () => forwarded,
    close: async () => {
      for (const ws of webSockets) ws.terminate ? ws.terminate() : ws.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

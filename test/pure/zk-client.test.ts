// The bounded client's own guarantees, against a stand-in server that speaks just enough of the
// ZooKeeper wire protocol (jute: a length-prefixed ConnectResponse, then a ReplyHeader per request).
import { expect } from "chai";
import * as net from "net";
import { ZkClient, ZkError } from "../../zk/zk-client";

/** A server that accepts a session, then answers every request with this error code. */
async function serverAnswering(errorCode: number): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    let connected = false;
    socket.on("data", (data) => {
      if (!connected) {
        connected = true;
        // ConnectResponse: protocolVersion, timeOut, sessionId, passwd (length + 16 bytes), readOnly.
        const body = Buffer.alloc(4 + 4 + 8 + 4 + 16 + 1);
        body.writeInt32BE(0, 0);
        body.writeInt32BE(10000, 4);
        body.writeBigInt64BE(1n, 8);
        body.writeInt32BE(16, 16);
        const frame = Buffer.alloc(4);
        frame.writeInt32BE(body.length, 0);
        socket.write(Buffer.concat([frame, body]));
        return;
      }
      // ReplyHeader: xid (the request's), zxid, err.
      const xid = data.readInt32BE(4);
      const reply = Buffer.alloc(4 + 4 + 8 + 4);
      reply.writeInt32BE(16, 0);
      reply.writeInt32BE(xid, 4);
      reply.writeBigInt64BE(0n, 8);
      reply.writeInt32BE(errorCode, 16);
      socket.write(reply);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe("the bounded ZooKeeper client", () => {
  it("a reply with an error code the library does not know fails the request instead of ending the process", async () => {
    const server = await serverAnswering(1169686528);
    const crashes: unknown[] = [];
    const onCrash = (e: unknown) => crashes.push(e);
    process.on("uncaughtException", onCrash);
    try {
      const client = await ZkClient.open(server.address, { connectMs: 2000, requestMs: 1000 });
      try {
        const error = await client.read("/x").then(
          () => undefined,
          (e) => e,
        );
        expect(error, "the read fails").to.be.instanceOf(Error);
        expect(error instanceof ZkError ? error.code : "timeout").to.be.oneOf(["CONNECTION_LOSS", "timeout"]);
      } finally {
        client.close();
      }
      await new Promise((r) => setTimeout(r, 100));
      expect(crashes, "uncaught exceptions").to.deep.equal([]);
    } finally {
      process.removeListener("uncaughtException", onCrash);
      await server.close();
    }
  });
});

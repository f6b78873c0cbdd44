import { expect } from "chai";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { startFakeKubeApi, readyNode, testPki, FakeKubeApi } from "../../harness/fake-kube-api";
import { kubeRequest, kindKubeAccess, KubeAccess } from "../../components/kube-api/client";
import { pinKubeconfig, KubeconfigError } from "../../components/kube-api/kubeconfig";
import { rejection } from "../../harness/rejection";

/** A TCP server that accepts connections and never writes a byte: a hung API server. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const close = () => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  };
  return { port: (server.address() as net.AddressInfo).port, close };
}

function script(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/bash\n${body}\n`, { mode: 0o755 });
  return file;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** A kubeconfig with one context `c` of the given cluster and user. */
function single(cluster: object, user: object): string {
  const contexts = [{ name: "c", context: { cluster: "cl", user: "us" } }];
  return yaml.dump({ apiVersion: "v1", kind: "Config", clusters: [{ name: "cl", cluster }], users: [{ name: "us", user }], contexts });
}

function pinError(text: string, context?: string): KubeconfigError {
  try {
    pinKubeconfig(text, { context, baseDir: os.tmpdir() });
  } catch (e) {
    expect(e).to.be.instanceOf(KubeconfigError);
    return e as KubeconfigError;
  }
  throw new Error("expected a KubeconfigError");
}

describe("the Kubernetes API client of the dynamic providers", function () {
  this.timeout(20000);
  let api: FakeKubeApi;
  let tokenApi: FakeKubeApi;
  let silent: Awaited<ReturnType<typeof silentServer>>;
  let dir: string;
  before(async () => {
    api = await startFakeKubeApi();
    silent = await silentServer();
    tokenApi = await startFakeKubeApi({ auth: "token", token: "t" });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kz-kube-api-"));
  });
  after(async () => {
    await api?.close();
    await tokenApi?.close();
    // Closing it also ends a request that the timeout failed to end.
    await silent?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("kubeRequest", () => {
    it("lists nodes with the client certificate, and names the server when its CA is wrong", async () => {
      api.nodes = () => [readyNode("n1")];
      const res = await kubeRequest(api.access(), "GET", "/api/v1/nodes");
      expect(res.status).to.equal(200);
      expect(res.body.items.map((n: any) => n.metadata.name)).to.deep.equal(["n1"]);
      // The client certificate is no CA: the server's certificate cannot be verified with it.
      const error = await rejection(kubeRequest({ ...api.access(), caPem: testPki().clientCert }, "GET", "/api/v1/nodes"));
      expect(error.message).to.contain(`GET /api/v1/nodes on ${api.url}: `);
      expect(error.message).to.match(/certificate/);
    });

    it("is refused by the server without a client certificate", async () => {
      api.requests.length = 0;
      const { server, caPem } = api.access();
      const error = await rejection(kubeRequest({ server, caPem }, "GET", "/api/v1/nodes"));
      expect(error.message).to.contain(`on ${api.url}: `);
      expect(api.requests, "no request reached the handler").to.deep.equal([]);
    });

    it("rejects within its timeout when the server accepts and never answers", async () => {
      const started = Date.now();
      const error = await rejection(kubeRequest({ server: `https://127.0.0.1:${silent.port}` }, "GET", "/api/v1/nodes", 300));
      expect(Date.now() - started).to.be.below(3000);
      expect(error.message).to.contain(`no answer from https://127.0.0.1:${silent.port} within 300 ms`);
    });

    it("a client certificate that does not parse rejects at once, and nothing fires after its deadline", async () => {
      // https.request throws synchronously on a PEM it cannot parse (the kind provider's process used
      // to die 30 s later: the deadline destroyed a request that never existed).
      const uncaught: Error[] = [];
      const listener = (e: Error) => void uncaught.push(e);
      const mochaListeners = process.listeners("uncaughtException");
      process.removeAllListeners("uncaughtException");
      process.on("uncaughtException", listener);
      try {
        const bad = { ...api.access(), certPem: "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n" };
        const started = Date.now();
        const error = await rejection(kubeRequest(bad, "GET", "/api/v1/nodes", 200));
        expect(Date.now() - started).to.be.below(150);
        expect(error.message).to.contain(`GET /api/v1/nodes on ${api.url}: the kubeconfig's TLS material is unusable: `);
        await new Promise((r) => setTimeout(r, 400));
        expect(uncaught.map((e) => e.message)).to.deep.equal([]);
      } finally {
        process.removeListener("uncaughtException", listener);
        for (const l of mochaListeners) process.on("uncaughtException", l);
      }
    });

    it("keeps the path of a server address that has one (a proxy in front of the API)", async () => {
      api.requests.length = 0;
      await kubeRequest({ ...api.access(), server: `${api.url}/k8s/clusters/c-1/` }, "GET", "/api/v1/nodes");
      expect(api.requests).to.deep.equal(["GET /k8s/clusters/c-1/api/v1/nodes"]);
    });

    describe("against a server that starts answering and then misbehaves", () => {
      let server: http.Server;
      let behaviour: (res: http.ServerResponse) => void;
      before(async () => {
        server = http.createServer((_req, res) => behaviour(res));
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      });
      after(() => {
        server.closeAllConnections();
        return new Promise<void>((r) => server.close(() => r()));
      });
      const url = () => `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;

      it("a connection dropped in the middle of the body rejects at once", async () => {
        behaviour = (res) => {
          res.writeHead(200, { "Content-Length": "100" });
          res.write('{"items":');
          setTimeout(() => res.socket?.destroy(), 100);
        };
        const started = Date.now();
        const error = await rejection(kubeRequest({ server: url() }, "GET", "/api/v1/nodes", 5000));
        expect(Date.now() - started).to.be.below(2000);
        expect(error.message, error.message).to.contain(
          `GET /api/v1/nodes on ${url()}: the connection closed before the whole answer arrived`,
        );
      });

      it("an answer that trickles in forever is cut at the timeout, which bounds the whole exchange", async () => {
        behaviour = (res) => {
          res.writeHead(200, { "Content-Type": "application/json" });
          const drip = setInterval(() => res.write(" "), 100);
          res.on("close", () => clearInterval(drip));
        };
        const started = Date.now();
        const error = await rejection(kubeRequest({ server: url() }, "GET", "/api/v1/nodes", 500));
        expect(Date.now() - started).to.be.below(2000);
        expect(error.message).to.contain("within 500 ms");
      });
    });
  });

  describe("token and exec credentials", () => {
    const access = (extra: Partial<KubeAccess>): KubeAccess => ({ server: tokenApi.url, caPem: testPki().caCert, ...extra });
    afterEach(() => (tokenApi.token = "t"));

    it("a static token authenticates, a wrong one is answered 401", async () => {
      expect((await kubeRequest(access({ token: "t" }), "GET", "/api/v1/nodes")).status).to.equal(200);
      expect((await kubeRequest(access({ token: "wrong" }), "GET", "/api/v1/nodes")).status).to.equal(401);
    });

    it("a token file is read at each request, so a rotated token is used", async () => {
      const file = path.join(dir, "token");
      fs.writeFileSync(file, "t\n");
      expect((await kubeRequest(access({ tokenFile: file }), "GET", "/api/v1/nodes")).status).to.equal(200);
      tokenApi.token = "t2";
      fs.writeFileSync(file, "t2\n");
      expect((await kubeRequest(access({ tokenFile: file }), "GET", "/api/v1/nodes")).status).to.equal(200);
    });

    it("an exec plugin gets its args, env and KUBERNETES_EXEC_INFO, and its token authenticates", async () => {
      const info = path.join(dir, "exec-info.json");
      const command = script(
        dir,
        "credential",
        `printf '%s' "$KUBERNETES_EXEC_INFO" > "$EXEC_INFO_FILE"\n` +
          `printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$1"`,
      );
      const exec = { command, args: ["t"], env: [{ name: "EXEC_INFO_FILE", value: info }], apiVersion: "client.authentication.k8s.io/v1" };
      const res = await kubeRequest(access({ exec }), "GET", "/api/v1/nodes");
      expect(res.status).to.equal(200);
      const sent = JSON.parse(fs.readFileSync(info, "utf8"));
      expect(sent).to.deep.include({ kind: "ExecCredential", apiVersion: "client.authentication.k8s.io/v1" });
    });

    it("a failing exec plugin rejects the request with the plugin's stderr", async () => {
      const command = script(dir, "expired", `echo "error: the login session expired" >&2\nexit 1`);
      const exec = { command, args: [], env: [], apiVersion: "client.authentication.k8s.io/v1" };
      const error = await rejection(kubeRequest(access({ exec }), "GET", "/api/v1/nodes"));
      expect(error.message).to.equal(`the kubeconfig's credential plugin '${command}' failed: error: the login session expired`);
    });
  });

  describe("kindKubeAccess", () => {
    it("reads server, CA, client certificate and key from kind's kubeconfig, and they reach the API", async () => {
      const access = kindKubeAccess(api.kubeconfig("x"));
      const pki = testPki();
      expect(access).to.deep.equal({ server: api.url, caPem: pki.caCert, certPem: pki.clientCert, keyPem: pki.clientKey });
      expect((await kubeRequest(access, "GET", "/api/v1/nodes")).status).to.equal(200);
    });

    it("throws when the kubeconfig names no server", () => {
      const text = api.kubeconfig("x").replace(/^\s*server:.*\n/m, "");
      expect(() => kindKubeAccess(text)).to.throw("the kubeconfig kind printed names no API server");
    });
  });

  describe("pinKubeconfig", () => {
    const twoContexts = yaml.dump({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        { name: "ca", cluster: { server: "https://127.0.0.1:1" } },
        { name: "cb", cluster: { server: "https://127.0.0.1:2" } },
      ],
      users: [
        { name: "ua", user: { token: "ta" } },
        { name: "ub", user: { token: "tb" } },
      ],
      contexts: [
        { name: "a", context: { cluster: "ca", user: "ua" } },
        { name: "b", context: { cluster: "cb", user: "ub", namespace: "zk" } },
      ],
      "current-context": "a",
    });

    it("keeps only the named context, its cluster and its user, and makes it current", () => {
      const pinned = pinKubeconfig(twoContexts, { context: "b", baseDir: dir });
      const config: any = yaml.load(pinned.content);
      expect(pinned.context).to.equal("b");
      expect(config.contexts).to.deep.equal([{ name: "b", context: { cluster: "cb", user: "ub", namespace: "zk" } }]);
      expect(config.clusters).to.deep.equal([{ name: "cb", cluster: { server: "https://127.0.0.1:2" } }]);
      expect(config.users).to.deep.equal([{ name: "ub", user: { token: "tb" } }]);
      expect(config["current-context"]).to.equal("b");
    });

    it("without a context, several contexts are an error that lists them", () => {
      expect(pinError(twoContexts).message).to.contain("has 2 contexts (a, b) and kubeContext is not set");
    });

    it("a context it does not have is an error that lists the ones it has", () => {
      expect(pinError(twoContexts, "c").message).to.equal("has no context c; it has a, b");
    });

    it("inlines the CA and client certificate files read relative to baseDir, makes tokenFile absolute, and the access reaches the API", async () => {
      const pki = testPki();
      fs.mkdirSync(path.join(dir, "certs"), { recursive: true });
      for (const [f, pem] of [
        ["ca.crt", pki.caCert],
        ["client.crt", pki.clientCert],
        ["client.key", pki.clientKey],
      ]) {
        fs.writeFileSync(path.join(dir, "certs", f), pem);
      }
      const cluster = { server: api.url, "certificate-authority": "certs/ca.crt" };
      const user = { "client-certificate": "certs/client.crt", "client-key": "certs/client.key", tokenFile: "certs/token" };
      const pinned = pinKubeconfig(single(cluster, user), { baseDir: dir });
      const config: any = yaml.load(pinned.content);
      expect(config.clusters[0].cluster).to.deep.equal({ server: api.url, "certificate-authority-data": b64(pki.caCert) });
      expect(config.users[0].user).to.deep.equal({
        "client-certificate-data": b64(pki.clientCert),
        "client-key-data": b64(pki.clientKey),
        tokenFile: path.join(dir, "certs/token"),
      });
      // The token file's content is irrelevant to the certificate-authenticating fake; it must exist.
      fs.writeFileSync(path.join(dir, "certs/token"), "unused\n");
      expect((await kubeRequest(pinned.access as KubeAccess, "GET", "/api/v1/nodes")).status).to.equal(200);
    });

    it("access is unsupported for auth-provider or proxy-url, and carries an exec plugin", () => {
      const server = "https://127.0.0.1:1";
      expect(pinKubeconfig(single({ server }, { "auth-provider": { name: "oidc" } }), { baseDir: dir }).access).to.deep.equal({
        unsupported: "the user authenticates with auth-provider oidc",
      });
      expect(pinKubeconfig(single({ server, "proxy-url": "http://127.0.0.1:3128" }, {}), { baseDir: dir }).access).to.deep.equal({
        unsupported: "the cluster is reached through proxy-url",
      });
      const exec = {
        apiVersion: "client.authentication.k8s.io/v1beta1",
        command: "aws",
        args: ["eks", "get-token"],
        env: [{ name: "A", value: "1" }],
      };
      expect((pinKubeconfig(single({ server }, { exec }), { baseDir: dir }).access as KubeAccess).exec).to.deep.equal(exec);
      const bare = (pinKubeconfig(single({ server }, { exec: { command: "plugin" } }), { baseDir: dir }).access as KubeAccess).exec;
      expect(bare).to.deep.equal({ command: "plugin", args: [], env: [], apiVersion: "client.authentication.k8s.io/v1" });
    });

    it("text that is not YAML, or holds no context, is a clear error", () => {
      expect(pinError("clusters: [unclosed").message).to.match(/^is not valid YAML: /);
      expect(pinError("apiVersion: v1\nkind: Config\n").message).to.equal("holds no context: it is not a kubeconfig");
    });
  });
});

// A stand-in Kubernetes API server on 127.0.0.1 over TLS with client-certificate authentication,
// as kind's API server is: enough of the API for the dynamic providers (nodes, pods). Certificates
// are made once per test process with openssl.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as https from "https";
import { execFileSync } from "child_process";
import { AddressInfo } from "net";
import { KubeAccess } from "../components/kube-api/client";

interface Pki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

let pki: Pki | undefined;

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
export function testPki(): Pki {
  if (pki) return pki;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kz-pki-"));
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  try {
    ssl("req", "-x509", ...key, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=fake-kubernetes-ca");
    for (const [name, subject, ext] of [
      ["server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1"],
      ["client", "/O=system:masters/CN=kubernetes-admin", "extendedKeyUsage=clientAuth"],
    ]) {
      fs.writeFileSync(path.join(dir, `${name}.ext`), `${ext}\n`);
      ssl("req", ...key, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
      ssl(
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        `${name}.crt`,
        "-extfile",
        `${name}.ext`,
      );
    }
    const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
    pki = {
      caCert: read("ca.crt"),
      serverCert: read("server.crt"),
      serverKey: read("server.key"),
      clientCert: read("client.crt"),
      clientKey: read("client.key"),
    };
    return pki;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface FakeKubeApi {
  url: string;
  /** Every request: method and path with query. */
  requests: string[];
  /** What GET /api/v1/nodes lists. */
  nodes: () => any[];
  /** Pods by namespace; a deletecollection by label selector removes the matching ones. */
  pods: Record<string, { name: string; labels: Record<string, string> }[]>;
  /** A kubeconfig as kind prints it, pointing here with inline certificates. */
  kubeconfig(name: string): string;
  access(): KubeAccess;
  /** With `auth: "token"`: the bearer token the server accepts now; a test may rotate it. */
  token?: string;
  /** Answers before the built-in routes (nodes, pods); undefined: not this handler's. */
  handle?: (method: string, url: URL, body: any) => { status: number; body: unknown } | undefined;
  close(): Promise<void>;
}

export interface FakeKubeApiOptions {
  /** "cert" (the default, as kind): client certificates; "token": a bearer token, 401 otherwise. */
  auth?: "cert" | "token";
  token?: string;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

export function readyNode(name: string, ready = true) {
  return {
    metadata: { name },
    status: {
      conditions: [
        {
          type: "Ready",
          status: ready ? "True" : "False",
          reason: ready ? "KubeletReady" : "KubeletNotReady",
          message: ready ? "" : "container runtime network not ready",
        },
      ],
    },
  };
}

function matches(selector: string, labels: Record<string, string>): boolean {
  return selector.split(",").every((term) => {
    const [k, v] = term.split("=");
    return labels[k] === v;
  });
}

export async function startFakeKubeApi(options: FakeKubeApiOptions = {}): Promise<FakeKubeApi> {
  const p = testPki();
  const tokenAuth = options.auth === "token";
  const api: FakeKubeApi = {
    url: "",
    requests: [],
    nodes: () => [],
    pods: {},
    kubeconfig: (name) =>
      [
        "apiVersion: v1",
        "clusters:",
        "- cluster:",
        `    certificate-authority-data: ${b64(p.caCert)}`,
        `    server: ${api.url}`,
        `  name: kind-${name}`,
        "contexts:",
        "- context:",
        `    cluster: kind-${name}`,
        `    user: kind-${name}`,
        `  name: kind-${name}`,
        `current-context: kind-${name}`,
        "kind: Config",
        "users:",
        `- name: kind-${name}`,
        "  user:",
        `    client-certificate-data: ${b64(p.clientCert)}`,
        `    client-key-data: ${b64(p.clientKey)}`,
        "",
      ].join("\n"),
    access: () =>
      tokenAuth
        ? { server: api.url, caPem: p.caCert, token: api.token }
        : { server: api.url, caPem: p.caCert, certPem: p.clientCert, keyPem: p.clientKey },
    token: options.token,
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server = https.createServer(
    { key: p.serverKey, cert: p.serverCert, ca: p.caCert, requestCert: !tokenAuth, rejectUnauthorized: !tokenAuth },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => answer(req, res, Buffer.concat(chunks).toString()));
    },
  );
  const answer = (req: import("http").IncomingMessage, res: import("http").ServerResponse, text: string) => {
    api.requests.push(`${req.method} ${req.url}`);
    const url = new URL(req.url!, "https://127.0.0.1");
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "Content-Type": typeof body === "string" ? "text/plain" : "application/json" });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    if (tokenAuth && req.headers.authorization !== `Bearer ${api.token}`) {
      return send(401, { kind: "Status", status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });
    }
    const handled = api.handle?.(req.method!, url, text ? JSON.parse(text) : undefined);
    if (handled) return send(handled.status, handled.body);
    const podsPath = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    if (req.method === "GET" && url.pathname === "/api/v1/nodes") return send(200, { kind: "NodeList", items: api.nodes() });
    if (podsPath) {
      const selector = url.searchParams.get("labelSelector") ?? "";
      const all = api.pods[podsPath[1]] ?? [];
      const selected = all.filter((pod) => matches(selector, pod.labels));
      if (req.method === "DELETE") api.pods[podsPath[1]] = all.filter((pod) => !selected.includes(pod));
      return send(200, { kind: "PodList", items: selected.map((pod) => ({ metadata: { name: pod.name, labels: pod.labels } })) });
    }
    send(404, { kind: "Status", message: `the fake API has no ${req.method} ${url.pathname}` });
  };
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  api.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}

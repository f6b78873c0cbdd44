// A minimal Kubernetes API client for the dynamic providers. Their code is serialized into the
// stack's state and run by Pulumi's provider host, so it captures nothing and requires only Node's
// built-in modules, inside each function (no kubectl, no client library).

/** How to reach and authenticate to an API server: what a kubeconfig's context resolves to. */
export interface KubeAccess {
  server: string;
  /** PEM of the CA that signed the server's certificate (not base64). */
  caPem?: string;
  insecureSkipTlsVerify?: boolean;
  /** PEM client certificate and key. */
  certPem?: string;
  keyPem?: string;
  token?: string;
  /** Read at each request: some platforms rotate it. */
  tokenFile?: string;
  username?: string;
  password?: string;
  /** A client-go credential plugin (client.authentication.k8s.io), run at each request. */
  exec?: { command: string; args: string[]; env: { name: string; value: string }[]; apiVersion: string };
}

export interface KubeResponse {
  status: number;
  body: any;
}

/** Credentials of an exec plugin: runs it as client-go does and reads its ExecCredential. */
function execCredential(exec: NonNullable<KubeAccess["exec"]>): { token?: string; certPem?: string; keyPem?: string } {
  const { execFileSync } = require("child_process");
  const env: Record<string, string | undefined> = { ...process.env };
  for (const e of exec.env) env[e.name] = e.value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify({ apiVersion: exec.apiVersion, kind: "ExecCredential", spec: { interactive: false } });
  let out: string;
  try {
    out = execFileSync(exec.command, exec.args, { env, encoding: "utf8", timeout: 60000, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e: any) {
    throw new Error(`the kubeconfig's credential plugin '${exec.command}' failed: ${String(e.stderr || e.message).trim()}`);
  }
  const status = JSON.parse(out).status ?? {};
  return { token: status.token, certPem: status.clientCertificateData, keyPem: status.clientKeyData };
}

/** One API request, bounded by `timeoutMs`; resolves with the status and the parsed JSON body. */
export function kubeRequest(access: KubeAccess, method: string, path: string, timeoutMs = 30000): Promise<KubeResponse> {
  const https = require("https");
  const http = require("http");
  const fs = require("fs");
  return new Promise((resolve, reject) => {
    let token = access.token ?? (access.tokenFile ? fs.readFileSync(access.tokenFile, "utf8").trim() : undefined);
    let certPem = access.certPem;
    let keyPem = access.keyPem;
    if (access.exec) {
      try {
        const credential = execCredential(access.exec);
        token = credential.token ?? token;
        certPem = credential.certPem ?? certPem;
        keyPem = credential.keyPem ?? keyPem;
      } catch (e) {
        reject(e);
        return;
      }
    }
    // Appended, not resolved: a server address may carry a path (https://host/k8s/clusters/<id>).
    const url = new URL(access.server.replace(/\/+$/, "") + path);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (access.username !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(`${access.username}:${access.password ?? ""}`).toString("base64")}`;
    }
    // Declared before use: Pulumi's closure serialization cannot follow a variable used before its declaration.
    let settled = false;
    let deadline: ReturnType<typeof setTimeout> | undefined;
    let request: any;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      fn();
    };
    const fail = (e: Error) => settle(() => reject(new Error(`${method} ${url.pathname} on ${access.server}: ${e.message}`)));
    // The whole exchange is bounded, not only the time the connection stays quiet.
    deadline = setTimeout(() => {
      fail(new Error(`no answer from ${access.server} within ${timeoutMs} ms`));
      if (request) request.destroy();
    }, timeoutMs);
    try {
      request = (url.protocol === "http:" ? http : https).request(
        url,
        {
          method,
          headers,
          ca: access.caPem,
          cert: certPem,
          key: keyPem,
          rejectUnauthorized: !access.insecureSkipTlsVerify,
        },
        (res: any) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => (text += d));
          // A connection dropped before the end of the body ends the exchange too.
          const cut = () => fail(new Error("the connection closed before the whole answer arrived"));
          res.on("error", cut);
          res.on("close", () => {
            if (!res.complete) cut();
          });
          res.on("end", () => {
            let body: any = text;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              // not JSON: keep the text for the error message
            }
            settle(() => resolve({ status: res.statusCode, body }));
          });
        },
      );
    } catch (e) {
      // https.request throws at once on a certificate or key that does not parse; settling here also
      // clears the deadline, which would otherwise fire later on a request that never existed.
      fail(new Error(`the kubeconfig's TLS material is unusable: ${(e as Error).message}`));
      return;
    }
    request.on("error", fail);
    request.end();
  });
}

/** The error for an unexpected answer, with the API server's own message. */
export function apiError(what: string, res: KubeResponse): Error {
  const detail = typeof res.body === "object" && res.body?.message ? res.body.message : String(res.body ?? "").slice(0, 300);
  return new Error(`${what}: the API server answered ${res.status}${detail ? `: ${detail}` : ""}`);
}

/**
 * The access in a kubeconfig that kind printed (`kind get kubeconfig`): one cluster with inline CA
 * data and one user with an inline client certificate. Read by pattern, as the format is kind's own
 * and fixed, so no YAML parser has to be serialized with the provider.
 */
export function kindKubeAccess(kubeconfig: string): KubeAccess {
  const field = (name: string) => new RegExp(`^\\s*${name}:\\s*(\\S+)\\s*$`, "m").exec(kubeconfig)?.[1];
  const pem = (name: string) => {
    const data = field(name);
    return data ? Buffer.from(data, "base64").toString("utf8") : undefined;
  };
  const server = field("server");
  if (!server) throw new Error("the kubeconfig kind printed names no API server");
  return { server, caPem: pem("certificate-authority-data"), certPem: pem("client-certificate-data"), keyPem: pem("client-key-data") };
}

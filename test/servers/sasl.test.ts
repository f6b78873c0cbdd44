// SASL DIGEST-MD5 from the bounded client (zk/sasl-digest.ts, ZkClient's `sasl`), against a real
// server that requires it: JAAS users in a Server section (DigestLoginModule), the SASL provider,
// enforce.auth with the sasl scheme only, and a super user. The server's side, read at apache/zookeeper
// release-3.9.5 (the same in 3.8): ZooKeeperServer.processSasl adds Id("sasl", <user>) once the
// exchange completes, and Id("super", "") when the user is zookeeper.superUser; AuthenticationHelper
// answers any other request of a connection without an enforced scheme with
// SESSIONCLOSEDREQUIRESASLAUTH and closes the session.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { LocalEnsemble, LOCAL_ADMIN_PASSWORD } from "../../harness/zk-ensemble";
import { ADMIN_USER } from "../../components/zookeeper/users";
import { AclEntry, OPEN_ACL, ZkClient, ZkError } from "../../zk/zk-client";
import { DigestMd5Client, parseDirectives, SaslError, ZOOKEEPER_DIGEST_URI } from "../../zk/sasl-digest";

const ADDRESS_BASE = 150;
const USERS = { app: "app-Pa55", super: "admin-Pa55" };
const ONLY_APP: AclEntry[] = [{ perms: 31, scheme: "sasl", id: "app" }];

describe("SASL DIGEST-MD5", function () {
  this.timeout(120000);

  describe("the exchange (RFC 2831)", () => {
    it("computes RFC 2831's own example (section 4): the response, and the rspauth it then accepts", () => {
      const client = new DigestMd5Client("chris", "secret", "OA6MHXh6VqTrRk", "imap/elwood.innosoft.com");
      const challenge = 'realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8';
      const response = parseDirectives(client.respond(challenge));
      expect(response).to.include({
        username: "chris",
        realm: "elwood.innosoft.com",
        nonce: "OA6MG9tEQGm2hh",
        nc: "00000001",
        qop: "auth",
      });
      expect(response.response).to.equal("d388dad90d4bbd760a152321f2143af7");
      expect(() => client.verify("rspauth=00000000000000000000000000000000")).to.throw(SaslError);
      client.verify("rspauth=ea40f60335c427b5527b84dbabcdfffd");
      expect(parseDirectives(new DigestMd5Client("a", "b").respond(challenge))["digest-uri"]).to.equal(ZOOKEEPER_DIGEST_URI);
    });

    it("refuses a challenge without md5-sess or auth, and credentials that are not printable ASCII", () => {
      expect(() => new DigestMd5Client("app", "x").respond('nonce="n",algorithm=md5')).to.throw(SaslError, /md5-sess/);
      expect(() => new DigestMd5Client("app", "x").respond('nonce="n",algorithm=md5-sess,qop="auth-conf"')).to.throw(SaslError, /qop/);
      expect(() => new DigestMd5Client("äpp", "x")).to.throw(SaslError, /ASCII/);
    });
  });

  describe("on a real server that requires SASL", () => {
    let zk: LocalEnsemble;
    before(async () => {
      zk = new LocalEnsemble({ replicas: 1 }, ADDRESS_BASE);
      const jaas = path.join(zk.root, "jaas.conf");
      const users = Object.entries(USERS).map(([u, p]) => `  user_${u}="${p}"`);
      fs.writeFileSync(jaas, `Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n${users.join("\n")};\n};\n`);
      zk.addJvmFlags(
        `-Djava.security.auth.login.config=${jaas}`,
        "-Dzookeeper.authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
        "-Dzookeeper.enforce.auth.enabled=true",
        "-Dzookeeper.enforce.auth.schemes=sasl",
        "-Dzookeeper.superUser=super",
      );
      zk.start();
      await zk.waitReady(undefined, 60000);
    });
    after(async () => {
      await zk?.destroy();
    });

    const open = (sasl?: { username: string; password: string }, auth?: { scheme: string; auth: string }[]) =>
      ZkClient.open(zk.connect(), { connectMs: 5000, requestMs: 5000, sasl, auth });

    it("the right user writes and reads, under an ACL only that user passes", async () => {
      const c = await open({ username: "app", password: USERS.app });
      try {
        await c.createNode("/sasl-app", Buffer.from("v1"), ONLY_APP);
        expect((await c.read("/sasl-app")).data!.toString()).to.equal("v1");
        expect(await c.getAcl("/sasl-app").then((a) => a.acl)).to.deep.equal(ONLY_APP);
      } finally {
        c.close();
      }
    });

    it("the super user reads what another user's ACL shuts out", async () => {
      const c = await open({ username: "super", password: USERS.super });
      try {
        expect((await c.read("/sasl-app")).data!.toString()).to.equal("v1");
      } finally {
        c.close();
      }
    });

    it("a wrong password is refused at authentication", async () => {
      const e = await open({ username: "app", password: "wrong" }).then(
        () => undefined,
        (err) => err,
      );
      expect(e).to.be.instanceOf(ZkError);
      expect((e as ZkError).code).to.equal("AUTH_FAILED");
    });

    it("an unauthenticated client, or one that only sends a digest credential, fails fast with SASL_AUTH_REQUIRED", async () => {
      for (const auth of [undefined, [{ scheme: "digest", auth: "app:app-Pa55" }]]) {
        const c = await open(undefined, auth);
        try {
          const e = await c.read("/").catch((err) => err);
          expect(e, JSON.stringify(auth)).to.be.instanceOf(ZkError);
          expect((e as ZkError).code, JSON.stringify(auth)).to.equal("SASL_AUTH_REQUIRED");
        } finally {
          c.close();
        }
      }
    });

    it("world-readable data is readable by an authenticated user only", async () => {
      const c = await open({ username: "app", password: USERS.app });
      try {
        await c.createNode("/sasl-open", Buffer.from("x"), OPEN_ACL);
        expect((await c.read("/sasl-open")).data!.toString()).to.equal("x");
      } finally {
        c.close();
      }
    });
  });
  describe("the rendered configuration (clientAuth digest): zoo.cfg, the start script and the JAAS file, on three servers", () => {
    const users = [{ name: "app", password: "app-Pa55word-1" }];
    let zk: LocalEnsemble;
    before(async () => {
      zk = new LocalEnsemble({ replicas: 3, clientAuth: { users } }, ADDRESS_BASE + 1);
      zk.start();
      await zk.waitReady(undefined, 60000);
    });
    after(async () => {
      await zk?.destroy();
    });
    const openAs = (sasl?: { username: string; password: string }) =>
      ZkClient.open(zk.connect(), { connectMs: 5000, requestMs: 5000, sasl });

    it("the quorum forms and every server passes its readiness probe (four-letter words need no session)", async () => {
      for (const server of zk.servers) expect((await zk.probe(server.ordinal, "ready")).ok, server.hostname).to.equal(true);
    });

    it("a user of clientUsers writes and reads under an ACL of its own; the super user reads it too", async () => {
      const app = await openAs({ username: "app", password: users[0].password });
      try {
        await app.createNode("/rendered-sasl", Buffer.from("v1"), ONLY_APP);
      } finally {
        app.close();
      }
      const admin = await openAs({ username: ADMIN_USER, password: LOCAL_ADMIN_PASSWORD });
      try {
        expect((await admin.read("/rendered-sasl")).data!.toString()).to.equal("v1");
      } finally {
        admin.close();
      }
    });

    it("a wrong password is refused, and a session without SASL is closed before it reads", async () => {
      const wrong = await openAs({ username: "app", password: "not-the-password" }).catch((e) => e);
      expect((wrong as ZkError).code).to.equal("AUTH_FAILED");
      const none = await openAs();
      try {
        expect(((await none.read("/").catch((e) => e)) as ZkError).code).to.equal("SASL_AUTH_REQUIRED");
      } finally {
        none.close();
      }
    });
  });
});

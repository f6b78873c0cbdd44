// A small promise wrapper over node-zookeeper-client (a real ZooKeeper wire-protocol client) in
// which every call has a bound: a request to a server without a quorum would otherwise wait forever.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const zookeeper = require("node-zookeeper-client");

export class ZkTimeout extends Error {}

function bounded<T>(ms: number, what: string, start: (done: (err: unknown, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ZkTimeout(`${what}: no answer within ${ms} ms`)), ms);
    start((err, value) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value as T);
    });
  });
}

export class ZkClient {
  private readonly client: any;
  private constructor(client: any) {
    this.client = client;
  }

  /** Connects to `host:port[,host:port...]`; rejects when no session is established within `ms`. */
  static async connect(connectionString: string, ms = 10000): Promise<ZkClient> {
    const client = zookeeper.createClient(connectionString, { sessionTimeout: 10000, spinDelay: 200, retries: 0 });
    try {
      await bounded<void>(ms, `connect to ${connectionString}`, (done) => {
        client.once("connected", () => done(null));
        client.connect();
      });
    } catch (e) {
      client.close();
      throw e;
    }
    return new ZkClient(client);
  }

  create(path: string, data: string, ms = 5000): Promise<string> {
    return bounded(ms, `create ${path}`, (done) => this.client.create(path, Buffer.from(data), done));
  }

  async get(path: string, ms = 5000): Promise<string> {
    const data = await bounded<Buffer>(ms, `get ${path}`, (done) => this.client.getData(path, done));
    return data.toString();
  }

  close(): void {
    this.client.close();
  }
}

/** Runs `fn` with a client on one server and always closes it. */
export async function withClient<T>(connectionString: string, fn: (c: ZkClient) => Promise<T>): Promise<T> {
  const client = await ZkClient.connect(connectionString);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

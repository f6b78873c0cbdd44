// Whether anything takes a TCP connection at a server's address, and if not why, in the words of
// verify's four-letter words (verify/four-letter.ts): "connection refused", "cannot resolve". A
// ZooKeeper client retries a wrong address until its whole connect bound has passed and then only
// says that no session came; a plain connection tells within milliseconds what is wrong.
import * as net from "net";
import { Address } from "./address";

export type Reach = { reached: true } | { reached: false; why: string };

/** One connection attempt, closed at once; bounded by `ms`. */
export function reach(address: Address, ms: number): Promise<Reach> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address.host, port: address.port });
    const done = (result: Reach) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ reached: false, why: `no connection within ${ms / 1000} s` }), ms);
    socket.once("connect", () => done({ reached: true }));
    socket.once("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ECONNREFUSED") done({ reached: false, why: "connection refused (nothing listens there)" });
      else if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") done({ reached: false, why: `cannot resolve ${address.host}` });
      else done({ reached: false, why: e.code ? `${e.code}: ${e.message}` : e.message });
    });
  });
}

/**
 * Undefined as soon as one address takes a connection; otherwise, once every attempt has failed
 * (within `ms`), why not: each address's reason, in the addresses' order.
 */
export async function whyNoneReachable(addresses: Address[], ms: number): Promise<{ address: Address; why: string }[] | undefined> {
  const failures: { address: Address; why: string }[] = new Array(addresses.length);
  let failed = 0;
  return new Promise((resolve) => {
    addresses.forEach((address, i) => {
      void reach(address, ms).then((r) => {
        if (r.reached) return resolve(undefined);
        failures[i] = { address, why: r.why };
        if (++failed === addresses.length) resolve(failures);
      });
    });
  });
}

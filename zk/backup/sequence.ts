// Sequential znodes. The server names a sequential child after its parent's counter of child
// creations, and a restore that creates children by name leaves that counter at the number of
// children it created: the next sequential create under the parent would get a number below the
// restored ones (out of order for a queue or a lock) or, on a restored name, fail with NODEEXISTS.
//
// The counter is not the cversion a client sees. ZooKeeper 3.8 keeps cversion as the count of
// creates and reports `cversion * 2 - numChildren` (DataNode.copyStat: "translate from the count of
// the creates to the count of the changes"), and names a sequential child with the internal count
// (PrepRequestProcessor: `String.format("%010d", parentCVersion)`). Measured here on 3.8.0: after
// three create/delete pairs and one kept child a parent reports cversion 7, numChildren 1, and the
// next sequential child is ...0000000004 = (7 + 1) / 2. A delete does not advance the counter, so
// only a create can: the restore creates and deletes a throwaway child, in one multi per batch, until
// the counter passes the highest sequence number it restored.
import { ZnodeStat } from "../zk-client";

/** The sequence number a name ends with (ten digits, as the server formats it), or undefined. */
export function sequenceNumber(name: string): number | undefined {
  const match = /(\d{10})$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** The number the server gives the next sequential child of a node with this stat. */
export function sequenceCounter(stat: Pick<ZnodeStat, "cversion" | "numChildren">): number {
  return (stat.cversion + stat.numChildren) / 2;
}

/** Throwaway creates needed so the next sequential child is numbered above `highest`. */
export function creationsNeeded(stat: Pick<ZnodeStat, "cversion" | "numChildren">, highest: number): number {
  return Math.max(0, highest + 1 - sequenceCounter(stat));
}

// The sanity test's outcome as rows: the write, each read with its time, the delete.
import { Row } from "./types";
import { Endpoint, NextCommands } from "./endpoint";
import { SanityOutcome } from "./sanity";

export function judgeSanity(o: SanityOutcome, notServing: Endpoint[], next: NextCommands): Row[] {
  if (o.writeError !== undefined) {
    return [
      {
        check: "write",
        server: o.writer.label,
        result: "FAIL",
        detail: `creating ${o.path} failed: ${o.writeError}`,
        next: next.why(o.writer),
      },
    ];
  }
  const rows: Row[] = [{ check: "write", server: o.writer.label, result: "ok", detail: `created ${o.path} in ${o.writeMs} ms` }];
  for (const r of o.reads) {
    rows.push(
      r.error === undefined
        ? { check: "read", server: r.endpoint.label, result: "ok", detail: `saw it ${r.seenAfterMs} ms after the write` }
        : { check: "read", server: r.endpoint.label, result: "FAIL", detail: r.error, next: next.why(r.endpoint) },
    );
  }
  for (const e of notServing) {
    rows.push({
      check: "read",
      server: e.label,
      result: "FAIL",
      detail: "not read: the server does not serve (see srvr)",
      next: next.why(e),
    });
  }
  rows.push(
    o.deleteError === undefined
      ? { check: "delete", server: o.writer.label, result: "ok", detail: `deleted ${o.path}` }
      : {
          check: "delete",
          server: o.writer.label,
          result: "WARN",
          detail: `deleting failed (${o.deleteError}); the node is ephemeral and goes with verify's session`,
        },
  );
  return rows;
}

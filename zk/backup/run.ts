// How the backup commands (npm run backup, restore) and the backup job end: exit 0 done, 1 failed
// (a restore's report says what it did), 2 bad input or nothing to connect to, every failure one line
// on stderr that says what is wrong and what to do; no stack trace. The command line's usage text is
// the caller's (ops/lib/backup/cli.ts).
import { UsageError } from "../address";
import { explain } from "./explain";
import { BackupFileError } from "./file-reader";
import { RestoreFailed } from "./restore";
import { ConnectError } from "./session";

/**
 * Runs a command body and exits with its code; every failure becomes one line on stderr, and a
 * UsageError is followed by `usageText` when the caller has a command line to show.
 */
export async function runToExit(name: string, body: () => Promise<number>, usageText?: (e: UsageError) => string): Promise<never> {
  // node-zookeeper-client throws from its socket handler on an error code it does not know (newer
  // servers have some, e.g. QUOTA_EXCEEDED); that still ends as one line, not a stack trace.
  process.on("uncaughtException", (e) => {
    process.stderr.write(`${name} failed: ${explain(e)}\n`);
    process.exit(1);
  });
  let code: number;
  try {
    code = await body();
  } catch (e) {
    if (e instanceof UsageError && usageText) {
      process.stderr.write(usageText(e));
      code = 2;
    } else if (e instanceof UsageError || e instanceof BackupFileError || e instanceof ConnectError) {
      process.stderr.write(`${name}: ${e.message}\n`);
      code = 2;
    } else if (e instanceof RestoreFailed) {
      process.stderr.write(`${name}: ${e.message}\n` + (e.reportPath ? `${name}: report: ${e.reportPath}\n` : ""));
      code = 1;
    } else {
      process.stderr.write(`${name} failed: ${explain(e)}\n`);
      code = 1;
    }
  }
  process.exit(code);
}

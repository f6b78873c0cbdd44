// `npm run judges`: builds the Pulumi CLI, its Node.js host, the providers and a Kubernetes
// control plane from the Go module proxy into the cache (judges/judges.ts), or says they are built.
// Exit code: 0 built; 1 a build failed; 2 Go is missing.
import { buildJudges } from "./judges";

try {
  buildJudges();
} catch (e) {
  const message = (e as Error).message;
  console.error(message.startsWith("judges:") ? message : `judges: a build failed: ${message.split("\n")[0]}`);
  process.exitCode = /Go is not installed/.test(message) ? 2 : 1;
}

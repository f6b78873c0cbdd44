import { WriterOptions } from "../zk/writer";

/** A writer that notices a silent server as the Java client would (after ~2/3 of a 4 s session). */
export const quickWriterOptions = (connectionString: string, root: string): WriterOptions => ({
  connectionString,
  root,
  ratePerSecond: 20,
  writeTimeoutMs: 1000,
  connectTimeoutMs: 1500,
  sessionTimeoutMs: 4000,
});

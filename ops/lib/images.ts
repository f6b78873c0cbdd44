// The images a stack's cluster pulls besides kind's own node image: the ZooKeeper image (the stack's
// `image` setting), and the Node.js image of the in-cluster jobs where the stack runs any (scheduled
// backups: components/backup; dynamic membership: components/zookeeper/membership-jobs.ts), one
// image for both (components/node-job/pod.ts).
import { SETTINGS } from "../../config";
import { NODE_JOB_IMAGE } from "../../components/node-job/pod";

/** From the stack's settings as its stack file sets them (defaults for what it leaves unset). */
export function stackImages(settings: Record<string, unknown>): string[] {
  const images = [String(settings.image ?? SETTINGS.image.default)];
  if (settings.backupSchedule !== undefined || settings.membership === "dynamic") images.push(NODE_JOB_IMAGE);
  return images;
}

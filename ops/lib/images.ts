// The images a stack's cluster pulls besides kind's own node image: the ZooKeeper image (the stack's
// `image` setting), and the Node.js image of the in-cluster jobs where the stack runs any (scheduled
// backups: components/backup; dynamic membership: components/membership).
import { SETTINGS } from "../../config";
import { BACKUP_DEFAULTS } from "../../components/backup/cronjob";

/** From the stack's settings as its stack file sets them (defaults for what it leaves unset). */
export function stackImages(settings: Record<string, unknown>): string[] {
  const images = [String(settings.image ?? SETTINGS.image.default)];
  if (settings.backupSchedule !== undefined || settings.membership === "dynamic") images.push(BACKUP_DEFAULTS.image);
  return images;
}

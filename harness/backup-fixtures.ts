import { NodeRecord } from "../zk/backup/format";

/** The stat of a generated backup's znodes: restore reads none of it but the format requires it. */
export function placeholderStat(zxid = "0x1"): NodeRecord["stat"] {
  return {
    czxid: zxid,
    mzxid: zxid,
    pzxid: zxid,
    ctime: 0,
    mtime: 0,
    version: 0,
    cversion: 0,
    aversion: 0,
    dataLength: 0,
    numChildren: 0,
  };
}

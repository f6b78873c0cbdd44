// Sizes are compared across two notations (JVM `512m`, Kubernetes `768Mi`), so both are parsed to
// bytes here rather than compared as strings.

const JVM_UNITS: Record<string, number> = { m: 2 ** 20, g: 2 ** 30 };

/** Bytes of a JVM heap size such as `512m` or `2g`; undefined when it is not of that form. */
export function parseHeap(value: string): number | undefined {
  const m = /^([1-9][0-9]*)([mMgG])$/.exec(value);
  return m ? Number(m[1]) * JVM_UNITS[m[2].toLowerCase()] : undefined;
}

const K8S_UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** Bytes of a Kubernetes memory/storage quantity such as `1Gi`, `768Mi` or `500M`; undefined when invalid. */
export function parseByteQuantity(value: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(value);
  return m ? Number(m[1]) * K8S_UNITS[m[2] ?? ""] : undefined;
}

/** Millicores of a Kubernetes CPU quantity such as `500m` or `1.5`; undefined when invalid. */
export function parseCpu(value: string): number | undefined {
  const milli = /^([0-9]+)m$/.exec(value);
  if (milli) return Number(milli[1]);
  const cores = /^([0-9]+(?:\.[0-9]{1,3})?)$/.exec(value);
  return cores ? Number(cores[1]) * 1000 : undefined;
}

const MiB = 2 ** 20;

/**
 * The container memory that fits a heap: the heap plus room for the JVM's off-heap memory
 * (metaspace, threads, direct buffers), at least 512Mi or half the heap. For the default 512m heap
 * this is the tutorial's 1Gi.
 */
export function memoryForHeap(heapBytes: number): string {
  const heapMiB = Math.ceil(heapBytes / MiB);
  return `${heapMiB + Math.max(512, Math.ceil(heapMiB / 2))}Mi`;
}

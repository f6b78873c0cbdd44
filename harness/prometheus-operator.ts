// The Prometheus Operator's objects have no schema in kubernetes-models and no CRD offline: their
// fields, as shapes, checked by misfits(). Used by test/pure/metrics.test.ts and by the schema check of
// every registered object (schema.ts). Read at prometheus-operator v0.93.0
// pkg/apis/monitoring/v1/podmonitor_types.go, prometheusrule_types.go and types.go (Duration).

/** A field's kind, or the allowed fields of a nested object, or [shape] for a list of them. */
type Shape = "string" | "number" | "boolean" | "duration" | "stringMap" | "object" | { [field: string]: Shape } | [Shape];

export const DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

const METADATA: Shape = { name: "string", namespace: "string", labels: "stringMap", annotations: "stringMap" };
const LABEL_SELECTOR: Shape = { matchLabels: "stringMap", matchExpressions: ["object"] };

export const POD_MONITOR: Shape = {
  apiVersion: "string",
  kind: "string",
  metadata: METADATA,
  spec: {
    jobLabel: "string",
    podTargetLabels: ["string"],
    podMetricsEndpoints: [
      {
        port: "string",
        portNumber: "number",
        path: "string",
        scheme: "string",
        params: "object",
        interval: "duration",
        scrapeTimeout: "duration",
        honorLabels: "boolean",
        honorTimestamps: "boolean",
        metricRelabelings: ["object"],
        relabelings: ["object"],
        filterRunning: "boolean",
      },
    ],
    selector: LABEL_SELECTOR,
    namespaceSelector: { any: "boolean", matchNames: ["string"] },
    sampleLimit: "number",
    targetLimit: "number",
  },
};

export const PROMETHEUS_RULE: Shape = {
  apiVersion: "string",
  kind: "string",
  metadata: METADATA,
  spec: {
    groups: [
      {
        name: "string",
        labels: "stringMap",
        interval: "duration",
        rules: [
          {
            record: "string",
            alert: "string",
            expr: "string",
            for: "duration",
            keep_firing_for: "duration",
            labels: "stringMap",
            annotations: "stringMap",
          },
        ],
        limit: "number",
      },
    ],
  },
};

/** Every field of `value` that its shape does not allow, or whose value has the wrong type, as paths. */
export function misfits(value: unknown, shape: Shape, at = ""): string[] {
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return [`${at}: not a list`];
    return value.flatMap((item, i) => misfits(item, shape[0], `${at}[${i}]`));
  }
  if (typeof shape === "object") {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${at}: not an object`];
    return Object.entries(value).flatMap(([k, v]) => (k in shape ? misfits(v, shape[k], `${at}.${k}`) : [`${at}.${k}: no such field`]));
  }
  switch (shape) {
    case "duration":
      return typeof value === "string" && DURATION.test(value) ? [] : [`${at}: not a Duration: ${String(value)}`];
    case "stringMap":
      return typeof value === "object" && value !== null && Object.values(value).every((v) => typeof v === "string")
        ? []
        : [`${at}: not a map of strings`];
    case "object":
      return typeof value === "object" && value !== null ? [] : [`${at}: not an object`];
    default:
      return typeof value === shape ? [] : [`${at}: not a ${shape}`];
  }
}

/** The shapes by kind, for the group monitoring.coreos.com/v1. */
export const MONITORING_SHAPES: Record<string, Shape> = { PodMonitor: POD_MONITOR, PrometheusRule: PROMETHEUS_RULE };

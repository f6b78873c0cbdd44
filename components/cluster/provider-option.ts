import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/**
 * The components take their Kubernetes provider as a resource option, which their children inherit.
 * Without one, pulumi-kubernetes would fall back to the ambient kubeconfig: refuse that.
 */
export function requireKubernetesProvider(component: string, opts: pulumi.ComponentResourceOptions | undefined): void {
  const providers = opts?.providers;
  const given =
    k8s.Provider.isInstance(opts?.provider) ||
    (Array.isArray(providers) ? providers.some((p) => k8s.Provider.isInstance(p)) : providers !== undefined && "kubernetes" in providers);
  if (!given) {
    throw new Error(
      `${component} needs a Kubernetes provider in its resource options ({ provider }), so that nothing falls back to the ambient kubeconfig`,
    );
  }
}

import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { EnsembleOptions, resolveEnsemble, portFeatures } from "./options";
import { clientFacingPort } from "./ports";
import { makeCertificates, renderTlsSecret } from "./certificates";
import { jobsServerAccess } from "./tls";
import { renderAuthSecret, renderAdminSecret, ADMIN_PASSWORD_KEY } from "./client-auth";
import { ADMIN_USER } from "./users";
import { serverFqdns, clientEndpoint, connectionString, EnsembleNames } from "./names";
import { renderConfigFiles, renderConfigMap } from "./configmap";
import { renderHeadlessService, renderClientService, renderNodePortService } from "./services";
import { renderNamespace, renderDisruptionBudget } from "./policy";
import { renderNetworkPolicy } from "./network-policy";
import { renderPodMonitor, renderPrometheusRule } from "./metrics";
import { renderStatefulSet, renderVolumeExpansions } from "./statefulset";
import { PodCleanup } from "./pod-cleanup";
import { podSelector, labelSelectorQuery } from "./labels";
import { KubeAccess } from "../kube-api/client";
import { requireKubernetesProvider } from "../cluster/provider-option";
import { TransitionGuard } from "./transition-guard";
import { renderSeedConfigMap, memberLines } from "./membership";
import { PORTS } from "./options";
import { renderMembershipConfigMap, renderMembershipJob, MembershipJobInput } from "./membership-jobs";
import { readJobsBundle } from "../node-job/bundle-file";
import { renderRollConfigMap, renderRollJob, renderRollRbac, templateDigest, ROLL_JOB_LIMITS } from "./roll-job";
import {
  liveTenants,
  renderTenantSecret,
  renderTenantsConfigMap,
  renderTenantsJob,
  tenantConnection,
  tenantJaasUsers,
  tenantPlan,
  TenantConnection,
} from "./tenants";
import type { TenantsCheck } from "../../zk/facts/tenants";

/** The ensemble's options, plus what it needs to clean up after itself; the Kubernetes provider comes as a resource option. */
export interface ZooKeeperEnsembleArgs extends EnsembleOptions {
  /**
   * The same cluster's API, for removing the servers' pods at destroy in a namespace the component
   * does not create (see PodCleanup). Without it such pods outlive `pulumi destroy`.
   */
  clusterAccess?: pulumi.Input<KubeAccess>;
  /** As the Kubernetes provider's option: at destroy, a cluster that no longer answers is taken as gone. Defaults to false. */
  deleteUnreachable?: boolean;
}

/** What a client running in the cluster (e.g. the scheduled backup) needs to reach the ensemble, as plain values. */
export interface EnsembleInCluster {
  namespace: string;
  names: EnsembleNames;
  /** host:port of the client Service: the port clients use (the secure one with TLS). */
  clientEndpoint: string;
  /** Whether that port speaks TLS. */
  tls: boolean;
  /** The labels a client pod needs to pass the NetworkPolicy's client rule (clientAccess `labelled`). */
  clientPodLabels?: Record<string, string>;
  /** With client authentication: the super user, and the Secret key holding its password. */
  admin?: { username: string; passwordSecret: { name: pulumi.Output<string>; key: string } };
}

/**
 * A ZooKeeper ensemble: namespace, ConfigMap, headless and client Services, PodDisruptionBudget,
 * NetworkPolicy and StatefulSet, with the tutorial's names by default; optionally the TLS Secret and
 * the Prometheus Operator's PodMonitor and PrometheusRule.
 */
export class ZooKeeperEnsemble extends pulumi.ComponentResource {
  public readonly namespace: pulumi.Output<string>;
  /** Each server's stable DNS name, e.g. zk-0.zk-hs.zookeeper.svc.cluster.local. */
  public readonly serverFqdns: pulumi.Output<string[]>;
  /** The client Service, `zk-cs.<namespace>.svc.<domain>:2181` (the secure port, 2281, with TLS). */
  public readonly clientEndpoint: pulumi.Output<string>;
  /** Every server's `<fqdn>:2181`, comma-separated: what a ZooKeeper client takes. */
  public readonly connectionString: pulumi.Output<string>;
  public readonly statefulSet: k8s.apps.v1.StatefulSet;
  /** With TLS from certificates the component makes: the CA clients trust (PEM). */
  public readonly caCertificate?: pulumi.Output<string>;
  /** With client authentication: the password of the super user ADMIN_USER (a secret). */
  public readonly adminPassword?: pulumi.Output<string>;
  /** With tenants: each live tenant's connection (what its Secret holds), by tenant name; a secret. */
  public readonly tenants?: pulumi.Output<Record<string, TenantConnection>>;
  /** With tenants: what `npm run verify` checks them against (the plan, no password) and the Job that applies it. */
  public readonly tenantPlan?: pulumi.Output<TenantsCheck>;
  public readonly inCluster: EnsembleInCluster;
  /** The Secrets this component makes from secret values (generated TLS key, JAAS file, admin password), by name. */
  public readonly secretNames: pulumi.Output<string>[] = [];
  /** Each server's container memory (request and limit), as resolved from the heap when not given. */
  public readonly memoryPerServer: string;

  constructor(name: string, args: ZooKeeperEnsembleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kind-zookeeper:index:ZooKeeperEnsemble", name, {}, opts);
    const s = resolveEnsemble(args);
    this.memoryPerServer = s.memory;
    for (const warning of s.warnings) pulumi.log.warn(warning, this);

    requireKubernetesProvider("ZooKeeperEnsemble", opts);
    // First: it refuses a change the running ensemble can only take in steps, before any object changes.
    const guard = new TransitionGuard(
      `${name}-transitions`,
      { tls: s.tlsStage, replicas: s.replicas, membership: s.membership },
      { parent: this },
    );
    // The Kubernetes provider comes from this component's options, through the parent.
    const childOpts = (extra?: {
      dependsOn?: pulumi.Resource[];
      retainOnDelete?: boolean;
      deleteBeforeReplace?: boolean;
    }): pulumi.CustomResourceOptions => ({
      parent: this,
      ...extra,
      dependsOn: [guard, ...(extra?.dependsOn ?? [])],
    });

    const ns = s.createNamespace
      ? new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: renderNamespace(s).metadata }, childOpts())
      : undefined;
    const inNamespace = ns ? childOpts({ dependsOn: [ns] }) : childOpts();

    const files = renderConfigFiles(s);
    const configMap = renderConfigMap(s, files);
    const cm = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: configMap.metadata, immutable: configMap.immutable, data: configMap.data },
      inNamespace,
    );

    const headless = renderHeadlessService(s);
    const hs = new k8s.core.v1.Service(`${name}-headless`, { metadata: headless.metadata, spec: headless.spec }, inNamespace);
    const client = renderClientService(s);
    const cs = new k8s.core.v1.Service(`${name}-client`, { metadata: client.metadata, spec: client.spec }, inNamespace);
    const nodePort = renderNodePortService(s);
    if (nodePort) {
      new k8s.core.v1.Service(`${name}-nodeport`, { metadata: nodePort.metadata, spec: nodePort.spec }, inNamespace);
    }

    const networkPolicy = renderNetworkPolicy(s);
    let networkPolicyResource: k8s.networking.v1.NetworkPolicy | undefined;
    if (networkPolicy) {
      networkPolicyResource = new k8s.networking.v1.NetworkPolicy(
        `${name}-network-policy`,
        { metadata: networkPolicy.metadata, spec: networkPolicy.spec },
        inNamespace,
      );
    }

    const pdb = renderDisruptionBudget(s);
    if (pdb) {
      new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: pdb.metadata, spec: pdb.spec }, inNamespace);
    }

    // Created before the StatefulSet and so deleted after it: see PodCleanup.
    let cleanup: PodCleanup | undefined;
    if (!ns && args.clusterAccess) {
      cleanup = new PodCleanup(
        `${name}-pod-cleanup`,
        {
          namespace: s.namespace,
          labelSelector: labelSelectorQuery(podSelector(s.names)),
          access: args.clusterAccess,
          deleteUnreachable: args.deleteUnreachable ?? false,
        },
        childOpts(),
      );
    } else if (!ns) {
      pulumi.log.warn(
        `namespace ${s.namespace} is not created by this ensemble and no cluster access was given: its pods will outlive pulumi destroy`,
        this,
      );
    }

    if (s.monitoring) {
      const input = { ...s.monitoring, namespace: s.namespace, names: s.names, replicas: s.replicas };
      // CustomResources: the Prometheus Operator's CRDs (monitoring.coreos.com/v1) must be installed.
      for (const [suffix, object] of [
        ["pod-monitor", renderPodMonitor(input)],
        ["prometheus-rule", renderPrometheusRule(input)],
      ] as const) {
        new k8s.apiextensions.CustomResource(`${name}-${suffix}`, object, inNamespace);
      }
    }

    let tlsSecretName: pulumi.Input<string> | undefined;
    if (s.tls?.mode === "secret") tlsSecretName = s.tls.secretName;
    if (s.tls?.mode === "generated") {
      const certs = makeCertificates(`${name}-tls`, s, this);
      this.caCertificate = certs.caCertPem;
      const secret = pulumi
        .all([certs.certPem, certs.keyPemPkcs8, certs.caCertPem])
        .apply(([certPem, keyPemPkcs8, caCertPem]) => renderTlsSecret(s, { certPem, keyPemPkcs8, caCertPem }));
      // Named by the certificates' digest, which are public: only the key is a secret.
      const tlsSecret = new k8s.core.v1.Secret(`${name}-tls`, secretArgs(secret), inNamespace);
      tlsSecretName = tlsSecret.metadata.name;
      this.secretNames.push(tlsSecret.metadata.name);
    }

    // Each live tenant's password: made once, kept in the state as a secret; it goes when the tenant does.
    const tenantPasswords = pulumi.all(
      Object.fromEntries(
        liveTenants(s.tenants ?? []).map((t) => [
          t.name,
          new random.RandomPassword(`${name}-tenant-${t.name}-password`, { length: 32, special: false }, { parent: this }).result,
        ]),
      ),
    );

    let authSecret: k8s.core.v1.Secret | undefined;
    let adminSecret: k8s.core.v1.Secret | undefined;
    // Dynamic membership needs the super user even without client authentication: only it may reconfigure.
    if (args.clientAuth || s.membership === "dynamic") {
      // Stable across runs: the password lives in the state, as a secret.
      const admin = new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, { parent: this });
      this.adminPassword = pulumi.secret(admin.result);
      const secret = pulumi
        .all([pulumi.output(args.clientAuth?.users ?? []), admin.result, tenantPasswords])
        .apply(([users, password, tenants]) => renderAuthSecret(s, [...users, ...tenantJaasUsers(s.tenants ?? [], tenants)], password));
      // The name's digest is keyed with the admin password and tells nothing: it may show in plans.
      authSecret = new k8s.core.v1.Secret(`${name}-auth`, secretArgs(secret), inNamespace);
      adminSecret = new k8s.core.v1.Secret(`${name}-admin`, secretArgs(admin.result.apply((p) => renderAdminSecret(s, p))), inNamespace);
      this.secretNames.push(authSecret.metadata.name, adminSecret.metadata.name);
    }
    const adminRef = adminSecret
      ? { username: ADMIN_USER, passwordSecret: { name: adminSecret.metadata.name, key: ADMIN_PASSWORD_KEY } }
      : undefined;

    // Dynamic membership: the seed, and the Jobs that change the membership around the StatefulSet.
    let membership: { seed: k8s.core.v1.ConfigMap; input: MembershipJobInput; code: string; remove: k8s.batch.v1.Job } | undefined;
    if (s.membership === "dynamic") {
      const seedData = guard.seedReplicas.apply((n) => renderSeedConfigMap(s, n ?? s.replicas).data);
      const seedMeta = renderSeedConfigMap(s, s.replicas).metadata;
      const seed = new k8s.core.v1.ConfigMap(`${name}-members`, { metadata: seedMeta, data: seedData }, inNamespace);
      const codeMap = renderMembershipConfigMap(s.namespace, s.names, readJobsBundle());
      const code = new k8s.core.v1.ConfigMap(
        `${name}-membership-code`,
        { metadata: codeMap.metadata, immutable: codeMap.immutable, data: codeMap.data },
        inNamespace,
      );
      const input: MembershipJobInput = {
        namespace: s.namespace,
        names: s.names,
        target: memberLines(s, s.replicas),
        clientEndpoint: clientEndpoint(s.names, s.namespace, s.clusterDomain, PORTS.client),
        clientPort: PORTS.client,
        serversName: `${s.names.headlessService}.${s.namespace}.svc.${s.clusterDomain}`,
        admin: adminRef!,
      };
      // Before the StatefulSet changes: servers leaving the membership leave while they still run.
      const remove = renderMembershipJob(input, "remove", codeMap.metadata.name);
      const removeJob = new k8s.batch.v1.Job(
        `${name}-membership-remove`,
        { metadata: remove.metadata, spec: remove.spec },
        childOpts({
          dependsOn: [...(ns ? [ns] : []), seed, code, hs, cs, adminSecret!, ...(networkPolicyResource ? [networkPolicyResource] : [])],
        }),
      );
      membership = { seed, input, code: codeMap.metadata.name, remove: removeJob };
    }

    const sts = renderStatefulSet(s, configMap.metadata.name, tlsSecretName, authSecret?.metadata.name);
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      { metadata: sts.metadata, spec: sts.spec },
      childOpts({
        dependsOn: [
          ...(ns ? [ns] : []),
          cm,
          hs,
          ...(cleanup ? [cleanup] : []),
          ...(membership ? [membership.seed, membership.remove] : []),
        ],
      }),
    );

    let addJob: k8s.batch.v1.Job | undefined;
    if (membership) {
      // After the StatefulSet is Ready (Pulumi waits for it): new servers follow the leader, and join.
      const add = renderMembershipJob(membership.input, "add", membership.code);
      addJob = new k8s.batch.v1.Job(
        `${name}-membership-add`,
        { metadata: add.metadata, spec: add.spec },
        childOpts({ dependsOn: [this.statefulSet] }),
      );
    }

    // rollOrder leader-last: the StatefulSet took the new template without restarting anything
    // (OnDelete); the roll Job restarts the servers, followers first, the leader last (roll-job.ts).
    // After the add Job with dynamic membership: the roll waits for every server to serve and sync.
    let rollJob: k8s.batch.v1.Job | undefined;
    if (s.rollOrder === "leader-last") {
      const rbac = renderRollRbac(s.namespace, s.names, s.replicas);
      const account = new k8s.core.v1.ServiceAccount(
        `${name}-roll-account`,
        { metadata: rbac.serviceAccount.metadata, automountServiceAccountToken: rbac.serviceAccount.automountServiceAccountToken },
        inNamespace,
      );
      const role = new k8s.rbac.v1.Role(`${name}-roll-role`, { metadata: rbac.role.metadata, rules: rbac.role.rules }, inNamespace);
      const binding = new k8s.rbac.v1.RoleBinding(
        `${name}-roll-binding`,
        { metadata: rbac.roleBinding.metadata, roleRef: rbac.roleBinding.roleRef, subjects: rbac.roleBinding.subjects },
        childOpts({ dependsOn: [...(ns ? [ns] : []), account, role] }),
      );
      const codeMap = renderRollConfigMap(s.namespace, s.names, readJobsBundle());
      const code = new k8s.core.v1.ConfigMap(
        `${name}-roll-code`,
        { metadata: codeMap.metadata, immutable: codeMap.immutable, data: codeMap.data },
        inNamespace,
      );
      const input = {
        namespace: s.namespace,
        names: s.names,
        replicas: s.replicas,
        serversDomain: `${s.names.headlessService}.${s.namespace}.svc.${s.clusterDomain}`,
      };
      // The template as rendered (its Secret names resolved), not as the API server returns it: the
      // digest must not move with the server's defaults. The port and, with TLS, the CA the Job
      // uses at this stage (jobsServerAccess).
      const job = pulumi.all([pulumi.output(sts.spec.template), pulumi.output(tlsSecretName)]).apply(([template, secretName]) => {
        const access = jobsServerAccess(s.tlsStage, secretName);
        return renderRollJob({ ...input, clientPort: access.port, tls: access.tls }, templateDigest(template), codeMap.metadata.name);
      });
      const timeout = `${ROLL_JOB_LIMITS.customTimeoutMinutes}m`;
      rollJob = new k8s.batch.v1.Job(
        `${name}-roll`,
        { metadata: job.metadata, spec: job.spec },
        {
          ...childOpts({
            dependsOn: [
              this.statefulSet,
              binding,
              code,
              ...(addJob ? [addJob] : []),
              ...(networkPolicyResource ? [networkPolicyResource] : []),
            ],
          }),
          customTimeouts: { create: timeout, update: timeout },
        },
      );
    }

    const clientPort = clientFacingPort(portFeatures(s));
    const fqdns = serverFqdns(s.names, s.namespace, s.clusterDomain, s.replicas);
    if (s.tenants?.length) {
      // After the roll that gave every server the tenants' users: the StatefulSet's own (ordinal),
      // which Pulumi awaits, or the roll Job (leader-last). The Job itself works as the super user.
      const codeMap = renderTenantsConfigMap(s.namespace, s.names, readJobsBundle());
      const code = new k8s.core.v1.ConfigMap(
        `${name}-tenants-code`,
        { metadata: codeMap.metadata, immutable: codeMap.immutable, data: codeMap.data },
        inNamespace,
      );
      // The port and, with TLS, the CA the Job uses at this stage (jobsServerAccess).
      const access = jobsServerAccess(s.tlsStage, tlsSecretName);
      const job = renderTenantsJob(
        {
          namespace: s.namespace,
          names: s.names,
          tenants: s.tenants,
          clientEndpoint: clientEndpoint(s.names, s.namespace, s.clusterDomain, access.port),
          admin: adminRef!,
          ...(access.tls ? { tls: access.tls } : {}),
        },
        codeMap.metadata.name,
      );
      const tenantsJob = new k8s.batch.v1.Job(
        `${name}-tenants`,
        { metadata: job.metadata, spec: job.spec },
        // Delete before replace: `pulumi up --replace <its urn>` (verify's repair of a drifted tenant)
        // then deletes the finished Job and creates it anew, which runs it again. Replaced the default
        // way, the new Job (same name) would be applied over the finished one and never run.
        childOpts({
          dependsOn: [
            this.statefulSet,
            code,
            adminSecret!,
            ...(addJob ? [addJob] : []),
            ...(rollJob ? [rollJob] : []),
            // Its rule for the port of this stage (a stage change moves the Job to the secure port).
            ...(networkPolicyResource ? [networkPolicyResource] : []),
          ],
          deleteBeforeReplace: true,
        }),
      );
      this.tenantPlan = tenantsJob.urn.apply((jobUrn) => ({ jobUrn, tenants: tenantPlan(s.tenants ?? []) }));
      const servers = connectionString(fqdns, clientPort);
      const connections = pulumi
        .all([tenantPasswords, this.caCertificate ?? pulumi.output(undefined)])
        .apply(([passwords, ca]) =>
          Object.fromEntries(
            liveTenants(s.tenants ?? []).map((t) => [
              t.name,
              tenantConnection(t, servers, passwords[t.name], ca, clientPort === PORTS.secureClient),
            ]),
          ),
        );
      this.tenants = pulumi.secret(connections);
      for (const t of liveTenants(s.tenants)) {
        const secret = connections.apply((c) => renderTenantSecret(s.namespace, s.names, t, c[t.name]));
        // Once its chroot exists: a client that finds the Secret finds its chroot.
        const tenantSecret = new k8s.core.v1.Secret(`${name}-tenant-${t.name}`, secretArgs(secret), childOpts({ dependsOn: [tenantsJob] }));
        this.secretNames.push(tenantSecret.metadata.name);
      }
    }

    // Once the StatefulSet is ready its claims exist; each patch grows one to the configured size.
    for (const claim of renderVolumeExpansions(s)) {
      new k8s.core.v1.PersistentVolumeClaimPatch(
        `${name}-${claim.metadata.name}`,
        { metadata: claim.metadata, spec: claim.spec },
        // Relinquishing the size field at delete would fail (the field is required), and a claim never shrinks.
        childOpts({ dependsOn: [this.statefulSet], retainOnDelete: true }),
      );
    }

    // Outputs come from the resources they name, so whatever uses them waits for those resources:
    // the servers' names and the connection string for the StatefulSet, which Pulumi awaits until
    // every server is Ready.
    this.namespace = ns ? ns.metadata.name : pulumi.output(s.namespace);
    this.serverFqdns = this.statefulSet.metadata.name.apply(() => fqdns);
    this.inCluster = {
      namespace: s.namespace,
      names: s.names,
      clientEndpoint: clientEndpoint(s.names, s.namespace, s.clusterDomain, clientPort),
      tls: s.tls !== undefined,
      clientPodLabels: s.networkPolicy && s.clientAccess.mode === "labelled" ? s.clientAccess.label : undefined,
      admin: adminRef,
    };
    this.clientEndpoint = cs.metadata.name.apply(() => clientEndpoint(s.names, s.namespace, s.clusterDomain, clientPort));
    this.connectionString = this.statefulSet.metadata.name.apply(() => connectionString(fqdns, clientPort));
    this.registerOutputs({
      namespace: this.namespace,
      serverFqdns: this.serverFqdns,
      clientEndpoint: this.clientEndpoint,
      connectionString: this.connectionString,
      caCertificate: this.caCertificate,
      adminPassword: this.adminPassword,
      tenants: this.tenants,
      tenantPlan: this.tenantPlan,
    });
  }
}

/**
 * A rendered Secret computed from secret inputs: only its data stays secret. Its name, type and
 * immutability are plain (the renders name it by a digest that reveals nothing), so plans show them.
 */
function secretArgs<T extends { metadata: object; type: string; immutable: boolean; stringData: Record<string, string> }>(
  rendered: pulumi.Output<T>,
) {
  return {
    metadata: pulumi.unsecret(rendered.metadata),
    type: pulumi.unsecret(rendered.type),
    immutable: pulumi.unsecret(rendered.immutable),
    stringData: pulumi.secret(rendered.apply((r): Record<string, string> => r.stringData)),
  };
}

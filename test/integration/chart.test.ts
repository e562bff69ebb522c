import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@mic/config';
import { parseAllDocuments } from 'yaml';

// Helm is built by scripts/setup.d/helm.sh into the cache; without it the chart cannot be checked.
const helm = join(loadConfig().cacheDir, 'bin', 'helm');
const chart = join(import.meta.dirname, '..', '..', 'charts', 'mic');

interface Manifest {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  rules?: { apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] }[];
}

function render(...set: string[]): Manifest[] {
  if (!existsSync(helm)) throw new Error(`helm not found at ${helm}: run scripts/setup.d/helm.sh`);
  const args = ['template', 'mic', chart, ...set.flatMap((s) => ['--set', s])];
  const text = execFileSync(helm, args, { encoding: 'utf8' });
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

const find = (ms: Manifest[], kind: string, name: string) =>
  ms.find((m) => m.kind === kind && m.metadata.name === name);

type PodSpec = {
  serviceAccountName?: string;
  containers: { args: string[]; env: { name: string; value: string }[]; readinessProbe?: unknown }[];
};
const podSpec = (m: Manifest | undefined) => (m?.spec?.template as { spec: PodSpec } | undefined)?.spec;

/** Every metric name the services register (the `'mic_...'` names in their sources). */
function registeredMetrics(): Set<string> {
  const root = join(import.meta.dirname, '..', '..');
  const names = new Set<string>();
  for (const top of ['libs', 'services'])
    for (const pkg of readdirSync(join(root, top))) {
      const src = join(root, top, pkg, 'src');
      if (!existsSync(src)) continue;
      for (const f of readdirSync(src, { recursive: true }) as string[])
        if (f.endsWith('.ts'))
          for (const m of readFileSync(join(src, f), 'utf8').matchAll(/'(mic_[a-z_]+)'/g)) names.add(m[1]!);
    }
  return names;
}

describe('helm chart', () => {
  it('passes helm lint', () => {
    if (!existsSync(helm)) throw new Error(`helm not found at ${helm}: run scripts/setup.d/helm.sh`);
    expect(execFileSync(helm, ['lint', chart], { encoding: 'utf8' })).toMatch(/0 chart\(s\) failed/);
  });

  it('runs ingest, api and a fixed worker count by default, with probes and no autoscaler', () => {
    const ms = render();
    for (const name of ['mic-ingest', 'mic-api', 'mic-worker']) {
      const pod = podSpec(find(ms, 'Deployment', name));
      expect(pod?.containers[0]?.args).toEqual(['serve', name.slice('mic-'.length)]);
      expect(pod?.containers[0]?.readinessProbe).toBeDefined();
    }
    expect(find(ms, 'Deployment', 'mic-worker')?.spec?.replicas).toBe(2);
    expect(find(ms, 'Deployment', 'mic-autoscaler')).toBeUndefined();
    expect(ms.filter((m) => m.kind === 'Role')).toEqual([]);
  });

  it('with the autoscaler on, hands it the worker count and only the right to scale the workers', () => {
    const ms = render('services.autoscaler.enabled=true');
    expect(find(ms, 'Deployment', 'mic-worker')?.spec).not.toHaveProperty('replicas');
    const pod = podSpec(find(ms, 'Deployment', 'mic-autoscaler'));
    expect(pod?.serviceAccountName).toBe('mic-autoscaler');
    const env = Object.fromEntries(pod!.containers[0]!.env.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ MIC_AUTOSCALER_MODE: 'kubernetes', MIC_AUTOSCALER_DEPLOYMENT: 'mic-worker' });
    expect(find(ms, 'Role', 'mic-autoscaler')?.rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: ['mic-worker'], verbs: ['get', 'patch'] },
    ]);
    expect(find(ms, 'RoleBinding', 'mic-autoscaler')).toBeDefined();
    expect(find(ms, 'ServiceAccount', 'mic-autoscaler')).toBeDefined();
  });

  it("checks the catalogue against the store on a schedule when asked, with the services' config", () => {
    expect(render().find((m) => m.kind === 'CronJob')).toBeUndefined();
    const job = find(render('verify.enabled=true', 'verify.hash=true'), 'CronJob', 'mic-verify');
    const spec = job?.spec as {
      schedule: string;
      concurrencyPolicy: string;
      jobTemplate: { spec: { backoffLimit: number; template: { spec: PodSpec & { restartPolicy: string } } } };
    };
    expect(spec.schedule).toBe('30 3 * * *');
    expect(spec.concurrencyPolicy).toBe('Forbid');
    const pod = spec.jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0]?.args).toEqual(['verify', '--hash']);
    expect(JSON.stringify(pod.containers[0])).toContain('"secretRef":{"name":"mic-secrets"}');
  });

  it('alerts only on metrics the services export', () => {
    expect(render().find((m) => m.kind === 'PrometheusRule')).toBeUndefined();
    const rule = render('alerts.enabled=true').find((m) => m.kind === 'PrometheusRule');
    const rules = (rule?.spec?.groups as { rules: { alert: string; expr: string }[] }[])[0]!.rules;
    expect(rules.map((r) => r.alert)).toContain('MicClinicalJobsWaiting');
    const known = registeredMetrics();
    expect(known.size).toBeGreaterThan(10);
    for (const r of rules)
      for (const [name] of r.expr.matchAll(/mic_[a-z_]+/g)) {
        const metric = name.replace(/_(bucket|sum|count)$/, '');
        expect({ alert: r.alert, metric, known: known.has(metric) }).toEqual({ alert: r.alert, metric, known: true });
      }
  });
});

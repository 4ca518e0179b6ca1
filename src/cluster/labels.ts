/**
 * Labels of the objects installed once per cluster (the chart, or manifests/install.yaml). Deliberately not Bulkhead's
 * managed-by label: that one marks an agent's envelope, which tamper protection locks to the operator.
 */
export function installLabels(component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'bulkhead', 'app.kubernetes.io/component': component };
}

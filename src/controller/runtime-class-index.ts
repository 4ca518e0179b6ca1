/**
 * Which AgentPolicies name each Managed RuntimeClass, kept from policy events (pure, in memory). It lets the
 * RuntimeClass collector know a class is unused without walking every policy, and maps a change of a shared class
 * to the policies it concerns.
 */
import type { KubernetesObject } from '@kubernetes/client-node';

/** The schema's default (the API server stores it, so this only matters for a policy written before defaulting). */
const defaultRuntimeClassName = 'gvisor';

/** The Managed RuntimeClass a raw policy names, or undefined for an External one. */
export function managedRuntimeClassOf(policy: KubernetesObject): string | undefined {
  const rc = (policy as { spec?: { sandbox?: { runtimeClass?: { name?: unknown; management?: unknown } } } }).spec?.sandbox?.runtimeClass;
  if (rc?.management === 'External') return undefined;
  return typeof rc?.name === 'string' && rc.name !== '' ? rc.name : defaultRuntimeClassName;
}

export class RuntimeClassIndex {
  /** class name -> names of the policies naming it. */
  readonly #byClass = new Map<string, Set<string>>();
  /** policy name -> the class it named when last seen. */
  readonly #byPolicy = new Map<string, string>();

  /** Records a policy's current class; returns the class it no longer names, if any. */
  upsert(policy: KubernetesObject): string | undefined {
    const name = policy.metadata?.name ?? '';
    // A policy being deleted still names its class until it is gone: its pods may still run on it.
    const current = managedRuntimeClassOf(policy);
    const before = this.#byPolicy.get(name);
    if (before === current) return undefined;
    if (before !== undefined) this.#drop(before, name);
    if (current !== undefined) {
      this.#byPolicy.set(name, current);
      let names = this.#byClass.get(current);
      if (names === undefined) this.#byClass.set(current, (names = new Set()));
      names.add(name);
    } else {
      this.#byPolicy.delete(name);
    }
    return before;
  }

  /** Forgets a deleted policy; returns the class it named, if any. */
  remove(policy: KubernetesObject): string | undefined {
    const name = policy.metadata?.name ?? '';
    const before = this.#byPolicy.get(name);
    if (before !== undefined) this.#drop(before, name);
    this.#byPolicy.delete(name);
    return before;
  }

  policiesNaming(className: string): readonly string[] {
    return [...(this.#byClass.get(className) ?? [])];
  }

  #drop(className: string, policyName: string): void {
    const names = this.#byClass.get(className);
    names?.delete(policyName);
    if (names?.size === 0) this.#byClass.delete(className);
  }
}

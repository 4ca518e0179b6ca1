/**
 * Image references as the container runtime reads them, and `images.allowedRegistries` matching on whole segments.
 *
 * A plain string prefix over-matches: "ghcr.io/acme" would admit "ghcr.io/acme-evil/x", and "ghcr.io" would admit
 * "ghcr.io.evil.example/x". So both sides are normalised the way Docker and containerd do (an image without a
 * registry host is on docker.io, and a single-segment Docker Hub name is under library/), and an allowed entry
 * matches only the repository itself or repositories below it ("ghcr.io/acme" matches "ghcr.io/acme/agent").
 *
 * The admission policy (src/cluster/agent-pods-admission.ts) does the same in CEL; the agent-admission integration
 * test runs both over one table (test/fixtures/image-references.ts) so they cannot disagree.
 */

/**
 * An allowed-registries entry: a registry host (a name with a dot, a host:port, or localhost), then optional
 * lowercase path segments, and an optional trailing "/". No tag, no digest, no scheme.
 */
export const registryEntryPattern =
  /^(localhost(:[0-9]{1,5})?|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:[0-9]{1,5})?|[a-z0-9]([a-z0-9-]*[a-z0-9])?:[0-9]{1,5})(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*\/?$/;

export const registryEntryMessage =
  'must be a registry host with an optional path, e.g. "ghcr.io/acme/" or "registry.example.com:5000/team"; ' +
  'an image on Docker Hub is written "docker.io/library/python" or "docker.io/acme"';

const dockerHub = 'docker.io';

/** The entry as it is matched: no trailing "/", and Docker Hub's legacy host names folded into docker.io. */
export function normalizeRegistryEntry(entry: string): string {
  const trimmed = entry.endsWith('/') ? entry.slice(0, -1) : entry;
  return foldDockerHubHost(trimmed);
}

function foldDockerHubHost(reference: string): string {
  for (const legacy of ['index.docker.io/', 'registry-1.docker.io/']) {
    if (reference.startsWith(legacy)) return `${dockerHub}/${reference.slice(legacy.length)}`;
  }
  return reference;
}

/** Whether the first segment of a reference is a registry host rather than a Docker Hub namespace. */
function hasRegistryHost(reference: string): boolean {
  const slash = reference.indexOf('/');
  if (slash < 0) return false;
  const first = reference.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost';
}

/**
 * The fully qualified repository of an image reference, without tag or digest:
 * "python:3" -> "docker.io/library/python", "acme/agent" -> "docker.io/acme/agent",
 * "ghcr.io/acme/agent:v1@sha256:..." -> "ghcr.io/acme/agent", "localhost:5000/x" -> "localhost:5000/x".
 */
export function imageRepository(image: string): string {
  const name = image.split('@')[0] ?? '';
  const lastColon = name.lastIndexOf(':');
  const repository = lastColon > name.lastIndexOf('/') ? name.slice(0, lastColon) : name;
  const qualified = hasRegistryHost(repository) ? foldDockerHubHost(repository) : `${dockerHub}/${repository}`;
  const hubPath = qualified.startsWith(`${dockerHub}/`) ? qualified.slice(dockerHub.length + 1) : undefined;
  return hubPath !== undefined && !hubPath.includes('/') ? `${dockerHub}/library/${hubPath}` : qualified;
}

/** Whether `image` comes from one of the allowed entries (any image when the list is empty). */
export function imageAllowed(image: string, allowedEntries: readonly string[]): boolean {
  if (allowedEntries.length === 0) return true;
  const repository = imageRepository(image);
  return allowedEntries.map(normalizeRegistryEntry).some((entry) => repository === entry || repository.startsWith(`${entry}/`));
}

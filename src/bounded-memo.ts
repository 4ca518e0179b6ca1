/**
 * Results of a pure computation by key, for inputs that recur across policies (a quantity text, an address, a CIDR
 * block, a YAML string): each is computed once. Bounded: when full it starts over, so a stream of distinct inputs
 * (ciphertexts, 10,000 namespaces) cannot grow it without end. A computation that throws is not remembered.
 */
export function boundedMemo<V>(limit = 4096): (key: string, compute: () => V) => V {
  const known = new Map<string, V>();
  return (key, compute) => {
    let value = known.get(key);
    if (value === undefined) {
      value = compute();
      if (known.size >= limit) known.clear();
      known.set(key, value);
    }
    return value;
  };
}

/**
 * Name resolution for running the examples on one machine: the services keep their real names
 * (`https://mcp.salesforce.example/mcp` is what policy, tokens and DPoP proofs talk about), and this
 * fetch sends requests for those origins to the local ports serving them, like an /etc/hosts entry
 * plus a TLS-terminating proxy. URLs of other origins pass through untouched.
 */
export function hostsFetch(
  hosts: Readonly<Record<string, string>>,
  base: typeof fetch = fetch,
): typeof fetch {
  const table = new Map(
    Object.entries(hosts).map(([name, local]) => [new URL(name).origin, new URL(local).origin]),
  );
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const original = new URL(input instanceof Request ? input.url : String(input));
    const local = table.get(original.origin);
    if (local === undefined) return base(input, init);
    const target = `${local}${original.pathname}${original.search}`;
    return input instanceof Request ? base(new Request(target, input), init) : base(target, init);
  }) as typeof fetch;
}

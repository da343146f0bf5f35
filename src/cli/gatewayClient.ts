/**
 * One GraphQL call to a running gateway (GATEWAY_URL, default http://127.0.0.1:4000; key in
 * GATEWAY_API_KEY), for the command-line tools; errors become exceptions with the gateway's code
 * and message.
 */
export async function gateway<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const url = `${(process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000').replace(/\/+$/, '')}/graphql`;
  const key = process.env.GATEWAY_API_KEY;
  if (key === undefined || key === '')
    throw new Error('set GATEWAY_API_KEY to an API key of the gateway (dvck_…)');
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await response.json()) as {
    data?: T;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
  if (answer.errors !== undefined && answer.errors.length > 0) {
    const [first] = answer.errors;
    throw new Error(`${first?.extensions?.code ?? 'ERROR'}: ${first?.message ?? 'failed'}`);
  }
  return answer.data as T;
}

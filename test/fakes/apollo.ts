import { header, startFakeServer, type FakeServer } from './fake-server.ts';

/** A person the fake Apollo knows; `email` null means People Match finds them without an email. */
export interface ApolloFakePerson {
  id: string;
  first_name: string;
  last_name: string;
  title: string;
  company: string;
  domain: string;
  email: string | null;
}

export interface FakeApollo extends FakeServer {
  apiKey: string;
  people: ApolloFakePerson[];
}

/** Apollo People Search (`/api/v1/mixed_people/api_search`) and People Match (`/api/v1/people/match`). */
export async function startFakeApollo(options: { apiKey: string; people: ApolloFakePerson[]; latencyMs?: number }): Promise<FakeApollo> {
  const byId = new Map(options.people.map((p) => [p.id, p]));
  const server = await startFakeServer((req) => {
    if (header(req, 'x-api-key') !== options.apiKey) return { status: 401, body: { error: 'Invalid access credentials.' } };
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (req.method === 'POST' && req.path === '/api/v1/mixed_people/api_search') {
      const page = Number(body.page ?? 1);
      const perPage = Math.min(Number(body.per_page ?? 10), 100);
      const slice = options.people.slice((page - 1) * perPage, page * perPage);
      return {
        status: 200,
        body: {
          total_entries: options.people.length,
          people: slice.map((p) => ({
            id: p.id,
            first_name: p.first_name,
            // The fake also returns the full last name so the BetterContact tier (which requires it) can be exercised.
            last_name: p.last_name,
            last_name_obfuscated: `${p.last_name.slice(0, 1)}***${p.last_name.slice(-1)}`,
            title: p.title,
            has_email: p.email !== null,
            has_direct_phone: 'Maybe',
            organization: { name: p.company },
          })),
        },
      };
    }
    if (req.method === 'POST' && req.path === '/api/v1/people/match') {
      if (body.reveal_phone_number === true && !body.webhook_url) {
        return { status: 400, body: { error: "Please add a valid 'webhook_url' parameter when using 'reveal_phone_number'" } };
      }
      const person = byId.get(String(body.id ?? ''));
      if (!person) return { status: 200, body: { person: null } };
      return {
        status: 200,
        body: {
          person: {
            id: person.id,
            first_name: person.first_name,
            last_name: person.last_name,
            title: person.title,
            email: person.email,
            email_status: person.email ? 'verified' : 'unavailable',
            organization: { name: person.company, primary_domain: person.domain },
          },
        },
      };
    }
    return { status: 404, body: { error: 'not found' } };
  }, options);
  return Object.assign(server, { apiKey: options.apiKey, people: options.people });
}

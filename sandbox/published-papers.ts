/**
 * Which paper a created-exam event may use: one Feishu has for the account, read from a running sandbox's admin API
 * (`GET /_sandbox/accounts/:accountId/papers`, sandbox/accounts-admin.ts). Feishu only lets a customer create an exam
 * with a paper the vendor published for that account (创建试卷列表), so without one the pusher refuses.
 */
import { z } from 'zod';

/** The account has no such paper (or none at all) in the sandbox: Feishu would not let the exam be created. */
export class PaperNotPublishedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaperNotPublishedError';
  }
}

/** The sandbox's admin API did not answer as expected (not running, not a sandbox). */
export class SandboxLookupError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'SandboxLookupError';
  }
}

const paperListsSchema = z.object({
  lists: z.array(z.object({ papers: z.array(z.object({ id: z.string() })) })),
});

export interface PublishedPaperQuery {
  /** The sandbox's origin, e.g. http://127.0.0.1:9000. */
  sandboxUrl: string;
  accountId: string;
  /** The paper the caller wants: it must be published for the account. Default the first published one. */
  paperId?: string;
  /** Only that tenant's papers (store apps); default every app × tenant's. */
  tenantKey?: string;
  fetch?: typeof fetch;
}

/** A paper id published for the account, or PaperNotPublishedError / SandboxLookupError. */
export async function publishedPaperId(query: PublishedPaperQuery): Promise<string> {
  const ids = await publishedPaperIds(query);
  const where = `account ${query.accountId}${query.tenantKey === undefined ? '' : ` (tenant ${query.tenantKey})`}`;
  if (query.paperId !== undefined) {
    if (ids.includes(query.paperId)) return query.paperId;
    throw new PaperNotPublishedError(
      `paper ${query.paperId} is not published for ${where}: Feishu only lets a customer create an exam with one ` +
        `of the account's papers (${ids.length} published)`,
    );
  }
  const [first] = ids;
  if (first === undefined) {
    throw new PaperNotPublishedError(
      `no paper is published for ${where}: Feishu lets a customer create an exam only with a published paper; ` +
        'publish one first (POST /open-apis/hire/v1/eco_exam_papers)',
    );
  }
  return first;
}

async function publishedPaperIds(query: PublishedPaperQuery): Promise<string[]> {
  const url = new URL(`/_sandbox/accounts/${encodeURIComponent(query.accountId)}/papers`, query.sandboxUrl);
  if (query.tenantKey !== undefined) url.searchParams.set('tenantKey', query.tenantKey);
  let res: Response;
  let text: string;
  try {
    res = await (query.fetch ?? fetch)(url, { method: 'GET' });
    text = await res.text();
  } catch (err) {
    throw new SandboxLookupError(`cannot reach the sandbox at ${url.origin}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    json = undefined;
  }
  const parsed = paperListsSchema.safeParse(json);
  if (!res.ok || !parsed.success) {
    throw new SandboxLookupError(
      `the sandbox at ${url.origin} did not list the account's papers (HTTP ${res.status}): is it a Feishu sandbox?`,
    );
  }
  return parsed.data.lists.flatMap((list) => list.papers.map((paper) => paper.id));
}

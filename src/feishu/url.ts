/**
 * THE builder of every Feishu Open API path (login_info today; account and paper ids later). A path parameter is data,
 * never path syntax: each one is percent-encoded, and what encoding cannot neutralise (an empty segment, `.` and `..`,
 * which a URL parser — and so `fetch` — resolves) is refused. The resulting pathname is then checked against the
 * template, so no parameter can move the request to another endpoint.
 */

/** A path parameter that cannot be placed in a Feishu URL. Never retryable: the same value always fails. */
export class InvalidPathParameterError extends Error {
  readonly failureType = 'InvalidPathParameter';
  constructor(
    /** The parameter's name in the template (e.g. `exam_id`); its value is never quoted. */
    readonly parameter: string,
    readonly reason: string,
  ) {
    super(`invalid path parameter ${parameter}: ${reason}`);
    this.name = 'InvalidPathParameterError';
  }
}

/** A template's parameters: `:exam_id` in the template ↔ `exam_id` here. */
export type PathParams<T extends string> = T extends `${string}:${infer Name}/${infer Rest}`
  ? { [K in Name]: string } & PathParams<`/${Rest}`>
  : T extends `${string}:${infer Name}`
    ? { [K in Name]: string }
    : unknown;

/** Feishu's templates, spelled as in Feishu's documentation (`:name` marks a path parameter). */
export const FEISHU_PATHS = {
  loginInfo: '/open-apis/hire/v1/eco_exams/:exam_id/login_info',
  updateResult: '/open-apis/hire/v1/eco_exams/:exam_id/update_result',
  examPapers: '/open-apis/hire/v1/eco_exam_papers',
  accountCustomFields: '/open-apis/hire/v1/eco_account_custom_fields',
} as const;

const DOT_SEGMENTS = new Set(['.', '..']);
// The origin only serves to parse the path; it is never contacted.
const PARSE_BASE = 'http://feishu.invalid';

/**
 * `feishuPath('/open-apis/hire/v1/eco_exams/:exam_id/login_info', { exam_id })`: the template with each `:name`
 * segment replaced by its percent-encoded value. Throws InvalidPathParameterError for a missing, empty or dot-segment
 * value, or (defence in depth) when the parsed pathname differs from the one built.
 */
export function feishuPath<T extends string>(template: T, params: PathParams<T>): string {
  const values = params as Record<string, unknown>;
  const segments = template.split('/').map((segment) => {
    if (!segment.startsWith(':')) return segment;
    const name = segment.slice(1);
    const value = values[name];
    if (typeof value !== 'string') throw new InvalidPathParameterError(name, 'missing');
    if (value.length === 0) throw new InvalidPathParameterError(name, 'empty');
    if (DOT_SEGMENTS.has(value)) throw new InvalidPathParameterError(name, 'a dot segment (. or ..)');
    return encodeURIComponent(value);
  });
  const path = segments.join('/');
  const parsed = new URL(path, PARSE_BASE);
  if (parsed.pathname !== path || parsed.search !== '' || parsed.hash !== '') {
    throw new InvalidPathParameterError(
      template
        .split('/')
        .find((segment) => segment.startsWith(':'))
        ?.slice(1) ?? '(template)',
      'it changes the request path',
    );
  }
  return path;
}

/**
 * `result <examId> --file <path|->`: the exam system's result (the update_result body, JSON), delivered as the
 * `reportExamResult` update; the workflow answers: taken (the newest result is sent to Feishu), or refused saying why.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidResultError, reportExamResult } from '../../client';
import { parseConfig } from '../../config';
import { examResultBodySchema, type ExamResultBody } from '../../common/result-schemas';
import { describeZodError } from '../../common/schemas';
import { parseExamId } from '../args';
import type { CliIo, Context } from '../context';
import { CliError, EXIT, messageOf } from '../errors';
import type { Action } from '../program';
import { temporalConfigSchema, withTemporal } from '../temporal';

/** A result file is small: a score, some report links, per-part details. */
const MAX_RESULT_BYTES = 1024 * 1024;

const RESULT_HELP = `
The body is Feishu's update_result body (docs/result-phase.md):
  {"result": "87.5", "result_time": "1764576000000",
   "report_list": [{"name": "Report", "url": "https://exam.example/r/1"}],
   "detail_list": [{"id": "q1", "name": "Coding", "result": "40"}]}
It is validated before any connection. The newest result is the one Feishu keeps; send a corrected one the same way.

Exit codes: 0 taken; 2 usage or configuration (or the file cannot be read); 3 invalid result (which field, why);
4 no such exam; 7 the exam takes no result (why: it ended without accepted login info, the customer finished marking
(Feishu 1002855), or its result timeout or update window has passed); 1 anything else.

Examples:
  feishu-exam-bridge result 7147998241542539527 --file result.json
  echo '{"result":"87.5"}' | feishu-exam-bridge result 7147998241542539527 --file -`;

interface ResultOptions {
  file: string;
}

export function resultCommand(program: Command, action: Action): void {
  program
    .command('result')
    .summary("deliver the exam system's result (score, reports) to an exam")
    .description(
      "Deliver the exam's result to its workflow (the reportExamResult update); the worker then sends the newest result " +
        'to Feishu (POST /open-apis/hire/v1/eco_exams/:exam_id/update_result).',
    )
    .argument('<examId>', "Feishu's exam id (exam_id of the 创建笔试 event)", parseExamId)
    .requiredOption('--file <path>', 'the update_result body as JSON; "-" reads it from stdin')
    .addHelpText('after', RESULT_HELP)
    .action(action(result));
}

async function result(ctx: Context, examId: string, options: ResultOptions): Promise<number> {
  const config = parseConfig(temporalConfigSchema, ctx.env());
  const body = resultBody(await readResult(ctx.io, options.file));
  const taken = await withTemporal(config, (client) => reportExamResult(client, examId, body));
  const phase = taken.resultStatus ?? 'held until the login info is accepted';
  ctx.out(`result taken for ${examId} (workflow ${taken.workflowId}, run ${taken.runId}; result ${phase})`);
  return EXIT.ok;
}

/** The text of the file, or of stdin for "-"; a file that cannot be read is a usage error naming the option. */
async function readResult(io: CliIo, file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of io.stdin) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.length;
      if (size > MAX_RESULT_BYTES) throw new CliError(EXIT.usage, '--file -: stdin holds more than 1 MiB');
      chunks.push(bytes);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    const text = await readFile(file, 'utf8');
    if (Buffer.byteLength(text) > MAX_RESULT_BYTES) throw new Error('the file is larger than 1 MiB');
    return text;
  } catch (err) {
    // The path is the operator's own argument; the OS's reason (ENOENT…) says why.
    const code = (err as { code?: unknown }).code;
    throw new CliError(EXIT.usage, `--file: cannot read it (${typeof code === 'string' ? code : messageOf(err)})`);
  }
}

/** The update_result body, validated here (before any connection) with the schema the workflow and Feishu client use. */
function resultBody(text: string): ExamResultBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidResultError('(body): is not valid JSON');
  }
  const parsed = examResultBodySchema.safeParse(json);
  if (!parsed.success) throw new InvalidResultError(describeZodError(parsed.error));
  return parsed.data;
}

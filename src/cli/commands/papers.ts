/** `papers <accountId> --file papers.json`: publish an account's full paper list (the publishExamPapers update). */
import type { Command } from 'commander';
import { publishPapers } from '../../client';
import { parseConfig } from '../../config';
import type { PublishPapersBody } from '../../common/account-schemas';
import type { Context } from '../context';
import { EXIT } from '../errors';
import type { Action } from '../program';
import { temporalConfigSchema, withTemporal } from '../temporal';
import { readJsonFile, withAccountErrors } from './account-io';

interface PapersOptions {
  file: string;
  tenantKey?: string;
}

export function papersCommand(program: Command, action: Action): void {
  program
    .command('papers')
    .summary("publish an account's full paper list")
    .description(
      "Publish the account's full paper list (the publishExamPapers update; the newest list wins); the worker sends it to " +
        'Feishu (POST /open-apis/hire/v1/eco_exam_papers). An account not seen yet is started (update-with-start).',
    )
    .argument('<accountId>', "Feishu's account id (account_id of the account-bound event)")
    .requiredOption('--file <path>', 'JSON file: { "paper_list": [{ "id", "name", "duration"?, … }] }')
    .option('--tenant-key <tenant_key>', "store apps: the customer's tenant, for an account not seen yet")
    .addHelpText('after', '\nExit codes: 0 taken; 2 usage; 3 invalid list (which field, why); 1 anything else.')
    .action(action(papers));
}

async function papers(ctx: Context, accountId: string, options: PapersOptions): Promise<number> {
  const config = parseConfig(temporalConfigSchema, ctx.env());
  const file = readJsonFile(options.file) as PublishPapersBody;
  const body = { ...file, ...(options.tenantKey !== undefined && { tenant_key: options.tenantKey }) };
  const taken = await withTemporal(config, (client) =>
    withAccountErrors(() => publishPapers(client, accountId, body, { taskQueue: config.TEMPORAL_TASK_QUEUE })),
  );
  ctx.out(`paper list #${taken.seq} taken for account ${accountId} (workflow ${taken.workflowId})`);
  return EXIT.ok;
}

/**
 * `npm start`: the whole local stack in one command (see scripts/local-stack.ts). Ctrl-C stops every process it
 * started. Ports: TEMPORAL_PORT, TEMPORAL_UI_PORT, INGEST_PORT, CODEC_SERVER_PORT, SANDBOX_PORT; data folder:
 * LOCAL_DATA_DIR (default .data).
 */
import { join, resolve } from 'node:path';
import { ROOT, portsFromEnv, startLocalStack } from './local-stack';

async function main(): Promise<void> {
  const dataDir = resolve(process.env.LOCAL_DATA_DIR ?? join(ROOT, '.data'));
  const stack = await startLocalStack({ dataDir, ports: portsFromEnv(process.env) });
  const { urls } = stack;
  const lines = [
    '',
    'feishu-exam-bridge local stack is ready.',
    `  Temporal Web UI   ${urls.ui}   (exams: ${urls.ui}/namespaces/default/workflows?query=ExamStatus%3D%22awaiting_arrangement%22)`,
    `  Temporal server   ${urls.temporal}`,
    `  ingest            ${urls.ingest}   (Feishu webhook: ${urls.ingest}/webhook/feishu)`,
    `  codec server      ${urls.codec}   (the UI decodes payloads through it)`,
    ...(urls.sandbox ? [`  Feishu sandbox    ${urls.sandbox}   (request log: ${urls.sandbox}/_sandbox/requests)`] : []),
    `  data folder       ${dataDir}   (CLI settings: ${stack.envFile})`,
    '',
    'Try next:',
    '  npm run sandbox:push-event                     # Feishu sends a 创建笔试 event to the ingest',
    '  npm run cli -- list --status awaiting_arrangement',
    "  echo 's3cret' | npm run cli -- arrange <examId> --url https://exam.example/t/1 --username cand --password-stdin",
    '  npm run cli -- status <examId>',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  process.stdout.write('\nstopping the local stack…\n');
  await stack.stop();
  process.stdout.write('local stack stopped.\n');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`npm start failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

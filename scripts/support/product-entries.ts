/**
 * The product's worker and ingest as child processes, started the same way by every run script that drives the
 * whole stack (chaos, production-check): `npm run worker` / `npm run ingest` entries, ready once their start-up line
 * is printed, output tail kept for the failure message.
 */
import { startEntry, type RunningEntry } from './child-process';

/** A worker entry; `env` is its whole environment (Temporal, payload keys, Feishu, tuning). */
export function startWorkerEntry(name: string, env: Record<string, string>): Promise<RunningEntry> {
  return startEntry('src/worker.ts', { name, env, ready: /worker started/, timeoutMs: 120_000, keepOutput: 8000 });
}

/** The Feishu event secrets and the exam-system bearer the ingest checks. */
export interface IngestSecrets {
  encryptKey: string;
  verificationToken: string;
  examSystemToken: string;
}

/** An ingest entry on 127.0.0.1:`port`, with `common` (Temporal, payload keys, log level) and the secrets. */
export async function startIngestEntry(
  common: Record<string, string>,
  secrets: IngestSecrets,
  port: number,
): Promise<{ entry: RunningEntry; url: string }> {
  const entry = await startEntry('src/ingest/server.ts', {
    name: 'ingest',
    env: {
      ...common,
      INGEST_PORT: String(port),
      FEISHU_ENCRYPT_KEY: secrets.encryptKey,
      FEISHU_VERIFICATION_TOKEN: secrets.verificationToken,
      EXAM_SYSTEM_TOKEN: secrets.examSystemToken,
    },
    ready: /ingest listening/,
    timeoutMs: 60_000,
    keepOutput: 8000,
  });
  return { entry, url: `http://127.0.0.1:${port}` };
}

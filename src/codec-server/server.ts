import { z } from 'zod';
import { EncryptionCodec, parseEncryptionKeys } from '../codec';
import { ConfigError, bearerSecret, parseConfig, payloadKeysSchema } from '../config';
import { consoleLogger } from '../ingest/logger';
import { buildCodecApp } from './app';
import { runMain, untilStopSignal } from '../entry';

/** The codec server entry (`npm run codec-server`): for operators' Temporal UI and CLI only; keep it off the internet. */
export const codecServerConfigSchema = z.object({
  PAYLOAD_ENCRYPTION_KEYS: payloadKeysSchema,
  CODEC_SERVER_TOKEN: bearerSecret('CODEC_SERVER_TOKEN'),
  CODEC_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  CODEC_SERVER_PORT: z.coerce.number().int().min(0).max(65535).default(8888),
  /** Comma-separated browser origins of the Temporal UI. */
  CODEC_CORS_ORIGINS: z.string().default('http://localhost:8233,http://127.0.0.1:8233'),
  LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});
export type CodecServerConfig = z.infer<typeof codecServerConfigSchema>;

export async function runCodecServer(config: CodecServerConfig): Promise<{ url: string; close(): Promise<void> }> {
  const logger = consoleLogger(config.LOG_LEVEL);
  const app = buildCodecApp({
    codec: new EncryptionCodec(parseEncryptionKeys(config.PAYLOAD_ENCRYPTION_KEYS)),
    token: config.CODEC_SERVER_TOKEN,
    allowedOrigins: config.CODEC_CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    logger,
  });
  try {
    await app.listen({ host: config.CODEC_SERVER_HOST, port: config.CODEC_SERVER_PORT });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError([
        `CODEC_SERVER_PORT: ${config.CODEC_SERVER_HOST}:${config.CODEC_SERVER_PORT} is already in use`,
      ]);
    }
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.CODEC_SERVER_PORT;
  const url = `http://${config.CODEC_SERVER_HOST}:${port}/codec`;
  logger.info('codec server listening', { url, origins: config.CODEC_CORS_ORIGINS });
  return { url, close: () => app.close() };
}

if (require.main === module) {
  runMain('codec server', async () => {
    const server = await runCodecServer(parseConfig(codecServerConfigSchema, process.env));
    await untilStopSignal();
    await server.close();
  });
}

import { EncryptionCodec, parseEncryptionKeys } from '../codec';
import { codecServerConfigSchema, parseConfig, type CodecServerConfig } from '../config';
import { consoleLogger } from '../common/log';
import { listen } from '../common/listen';
import { buildCodecApp } from './app';
import { runMain, untilStopSignal } from '../entry';

/** The codec server entry (`npm run codec-server`): for operators' Temporal UI and CLI only; keep it off the internet. */
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
  const listening = await listen(app, {
    host: config.CODEC_SERVER_HOST,
    port: config.CODEC_SERVER_PORT,
    portVariable: 'CODEC_SERVER_PORT',
  });
  const url = `${listening.url}/codec`;
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

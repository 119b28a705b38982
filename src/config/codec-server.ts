import { z } from 'zod';
import { bearerSecret, logLevel, payloadKeysSchema, port } from './common';

/** The codec server's environment (src/codec-server/server.ts). */
export const codecServerConfigSchema = z.object({
  PAYLOAD_ENCRYPTION_KEYS: payloadKeysSchema,
  CODEC_SERVER_TOKEN: bearerSecret('CODEC_SERVER_TOKEN'),
  CODEC_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  CODEC_SERVER_PORT: port(8888),
  /** Comma-separated browser origins of the Temporal UI. */
  CODEC_CORS_ORIGINS: z.string().default('http://localhost:8233,http://127.0.0.1:8233'),
  LOG_LEVEL: logLevel,
});
export type CodecServerConfig = z.infer<typeof codecServerConfigSchema>;

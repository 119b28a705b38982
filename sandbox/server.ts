import { z } from 'zod';
import { parseConfig } from '../src/config';
import { adminRoutes, ADMIN_PREFIX } from './admin';
import { FeishuSandbox, type SandboxApp } from './feishu-sandbox';
import { runMain, untilStopSignal } from '../src/entry';

/**
 * The Feishu sandbox as a service (`npm run sandbox`, started by `npm start` when no Feishu credentials are set):
 * Feishu's token, login_info and update_result endpoints with the documented quota, a request log and fault injection at run time.
 */
export const sandboxConfigSchema = z.object({
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(9000),
  FEISHU_APP_ID: z.string().min(1).default('cli_sandbox'),
  FEISHU_APP_SECRET: z.string().min(1).default('sandbox-secret'),
  FEISHU_APP_TYPE: z.enum(['custom', 'store']).default('custom'),
  /** Print one line per request. */
  SANDBOX_QUIET: z.enum(['0', '1', 'true', 'false']).default('0'),
});
export type SandboxConfig = z.infer<typeof sandboxConfigSchema>;

export async function runSandbox(
  config: SandboxConfig,
): Promise<{ sandbox: FeishuSandbox; url: string; close(): Promise<void> }> {
  const app: SandboxApp = {
    appId: config.FEISHU_APP_ID,
    appSecret: config.FEISHU_APP_SECRET,
    type: config.FEISHU_APP_TYPE,
  };
  const quiet = config.SANDBOX_QUIET === '1' || config.SANDBOX_QUIET === 'true';
  // A taken SANDBOX_PORT is a ConfigError naming it (src/common/listen.ts).
  const sandbox: FeishuSandbox = await FeishuSandbox.start({
    host: config.SANDBOX_HOST,
    port: config.SANDBOX_PORT,
    apps: [app],
    log: quiet ? undefined : (line) => process.stdout.write(`${line}\n`),
    extraRoutes: adminRoutes(() => sandbox),
  });
  return { sandbox, url: sandbox.url, close: () => sandbox.close() };
}

if (require.main === module) {
  runMain('sandbox', async () => {
    const config = parseConfig(sandboxConfigSchema, process.env);
    const running = await runSandbox(config);
    process.stdout.write(
      `Feishu sandbox on ${running.url} (app ${config.FEISHU_APP_ID}); request log: GET ${running.url}${ADMIN_PREFIX}/requests\n`,
    );
    await untilStopSignal();
    await running.close();
  });
}

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { resolveChromium } from '../../scripts/chromium';
import { findFreePort } from '../../scripts/dev-server';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack';
import { pushExamCreated } from '../../sandbox/event-pusher';
import { ROOT } from '../support/processes';
import { uniqueId } from '../support/temporal';

/**
 * A real browser (Debian's chromium, driven by playwright-core) against the local stack's Temporal Web UI, on a run
 * that just processed an exam: the exam is found by ExamStatus, its page tells the story (status, summary, current
 * details, activity summary), and the arrangement — password included — is readable only as decoded through the
 * codec server. Screenshots go to test-artifacts/. The browser comes from scripts/chromium.ts (CHROMIUM_PATH, PATH,
 * the usual places, else Debian's package installed as root): a missing browser fails with the command to run.
 */
const ARTIFACTS = join(ROOT, 'test-artifacts');
const dataDir = mkdtempSync(join(tmpdir(), 'feb-ui-'));
let chromiumPath: string;
let stack: LocalStack;
let browser: Browser;
let page: Page;
const examId = uniqueId('ui').replace('ui-', '1');
const PASSWORD = `ui-pw-${uniqueId('p')}`;

// The first run on a fresh Debian machine installs Chromium with apt-get: minutes, hence the generous timeout.
beforeAll(async () => {
  chromiumPath = await resolveChromium({ log: (msg) => process.stderr.write(`[chromium] ${msg}\n`) });
}, 600_000);

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const ports = {
    temporal: await findFreePort(),
    ui: await findFreePort(),
    ingest: await findFreePort(),
    codec: await findFreePort(),
    sandbox: await findFreePort(),
  };
  // No result phase: the story told here ends when Feishu accepts the login info (the workflow completes).
  stack = await startLocalStack({ dataDir, ports, env: { RESULT_TIMEOUT: '0' }, log: () => undefined });
  const env = stack.env;
  await pushExamCreated({
    webhookUrl: `${env.INGEST_URL}/webhook/feishu`,
    verificationToken: env.FEISHU_VERIFICATION_TOKEN!,
    encryptKey: env.FEISHU_ENCRYPT_KEY,
    examId,
    paperId: 'paper-ui',
    tenantKey: 'tenant-ui',
  });
  const arranged = await fetch(`${env.INGEST_URL}/exams/${examId}/arrangement`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.EXAM_SYSTEM_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      exam_login_info: { exam_url: 'https://exam.example/ui', username: 'cand', password: PASSWORD },
    }),
  });
  expect(arranged.status).toBe(202);
  for (let i = 0; i < 100; i++) {
    const status = (await (
      await fetch(`${env.INGEST_URL}/exams/${examId}`, {
        headers: { authorization: `Bearer ${env.EXAM_SYSTEM_TOKEN}` },
      })
    ).json()) as { status: string };
    if (status.status === 'submitted') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function textInSomeFrame(target: Page, text: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of target.frames()) {
      const body = await frame.innerText('body', { timeout: 1000 }).catch(() => '');
      if (body.replace(/\s+/g, ' ').includes(text)) return;
    }
    if (Date.now() > deadline) throw new Error(`"${text}" not shown in any frame within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('the Temporal Web UI tells the story of an exam', () => {
  it('finds the exam by ExamStatus', async () => {
    const query = encodeURIComponent('ExamStatus="submitted"');
    await page.goto(`${stack.urls.ui}/namespaces/default/workflows?query=${query}`);
    await page.getByText(`eco-exam-${examId}`).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'ui-list.png') });
    expect(await page.innerText('body')).not.toContain(PASSWORD);
  });

  it('shows status, summary, current details and the activity summary', async () => {
    await page.goto(`${stack.urls.ui}/namespaces/default/workflows/eco-exam-${examId}`);
    await page.getByText('Completed').first().waitFor({ timeout: 30_000 });
    await page.getByText('POST login_info to Feishu').first().waitFor();
    await page.getByText('User Metadata').click();
    // The UI renders summary and details (Temporal markdown) in sandboxed iframes.
    await textInSomeFrame(page, `Exam ${examId} · paper paper-ui · tenant tenant-ui`);
    await textInSomeFrame(page, `submitted · exam ${examId} · attempts 1`);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-metadata.png') });
    expect(await page.innerText('body')).not.toContain(PASSWORD);
  });

  it('shows the decoded arrangement, password included, through the codec server', async () => {
    await page.goto(`${stack.urls.ui}/namespaces/default/workflows/eco-exam-${examId}`);
    // The arrangement arrives as the arrangeExam update (the CLI's arrange): its accepted event holds the body.
    const accepted = page.getByText('Workflow Execution Update Accepted', { exact: true });
    await accepted.first().waitFor({ timeout: 30_000 });
    await page.locator('tr', { has: accepted }).first().click();
    await page.getByText(PASSWORD).first().waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'ui-decoded-arrangement.png'), fullPage: true });
    expect(await page.innerText('body')).toContain('"exam_url": "https://exam.example/ui"');
  });
});

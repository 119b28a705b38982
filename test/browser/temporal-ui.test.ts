import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { resolveChromium } from '../../scripts/chromium';
import { findFreePort } from '../../scripts/dev-server';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack';
import { pushExamCreated } from '../../sandbox/event-pusher';
import { productDataConverter } from '../../src/codec';
import { ecoExamWorkflowId } from '../../src/common/constants';
import type { EcoExamResult } from '../../src/common/types';
import { reportExamResult } from '../../src/workflows/definitions';
import { ROOT } from '../support/processes';
import { uniqueId } from '../support/temporal';

/**
 * A real browser (Debian's chromium, driven by playwright-core) against the local stack's Temporal Web UI, on a run
 * that just processed an exam through both phases (login info, then its result): the exam is found by ExamStatus and
 * by ExamResultStatus, its page tells the story (status, summary, current details of both phases, activity
 * summaries), and the arrangement — password included — is readable only as decoded through the
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
const SCORE = '73.5';

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
  // The result phase is on (the stack's default); a short update window lets the workflow complete within the test.
  stack = await startLocalStack({ dataDir, ports, env: { RESULT_UPDATE_WINDOW: '3s' }, log: () => undefined });
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
  // The exam system's result, straight to the workflow (the reportExamResult update); then the window closes.
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS! });
  try {
    const client = new Client({ connection, dataConverter: productDataConverter(env.PAYLOAD_ENCRYPTION_KEYS!) });
    const handle = client.workflow.getHandle(ecoExamWorkflowId(examId));
    await handle.executeUpdate(reportExamResult, {
      args: [{ result: SCORE, detail_list: [{ name: 'part 1', result: SCORE }] }],
    });
    const outcome = (await Promise.race([
      handle.result(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('the exam did not complete in 60 s')), 60_000)),
    ])) as EcoExamResult;
    expect(outcome.result).toMatchObject({ status: 'submitted', updates: 1 });
  } finally {
    await connection.close();
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

  it('finds the exam by ExamResultStatus and shows the result phase', async () => {
    const query = encodeURIComponent(`ExamResultStatus="submitted" AND ExamId="${examId}"`);
    await page.goto(`${stack.urls.ui}/namespaces/default/workflows?query=${query}`);
    await page.getByText(`eco-exam-${examId}`).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'ui-list-result-status.png') });
    await page.goto(`${stack.urls.ui}/namespaces/default/workflows/eco-exam-${examId}`);
    await page.getByText('Completed').first().waitFor({ timeout: 30_000 });
    await page.getByText('POST update_result to Feishu: result #1').first().waitFor({ timeout: 20_000 });
    await page.getByText('User Metadata').click();
    // Both phases in the current details: login info, then the result's status, attempts and updates.
    await textInSomeFrame(page, `submitted · exam ${examId} · attempts 1`);
    await textInSomeFrame(page, 'result submitted · attempts 1 · updates 1');
    await page.screenshot({ path: join(ARTIFACTS, 'ui-result-phase.png') });
    // The details never carry the score (the decoded event payloads do, through the codec server, by design).
    for (const frame of page.frames()) {
      const text = await frame.innerText('body', { timeout: 1000 }).catch(() => '');
      if (text.includes('result submitted')) expect(text).not.toContain(SCORE);
    }
  });

  it('shows the decoded arrangement, password included, through the codec server', async () => {
    // Two updates were accepted (arrangeExam, then reportExamResult); clicking one opens that event alone, so each is
    // opened from the history page until the arrangement's body shows.
    const accepted = page.getByText('Workflow Execution Update Accepted', { exact: true });
    let shown = false;
    for (let i = 0; i < 2 && !shown; i++) {
      await page.goto(`${stack.urls.ui}/namespaces/default/workflows/eco-exam-${examId}`);
      await accepted.first().waitFor({ timeout: 30_000 });
      await page.locator('tr', { has: accepted }).nth(i).click();
      shown = await page
        .getByText(PASSWORD)
        .first()
        .waitFor({ timeout: 10_000 })
        .then(() => true)
        .catch(() => false);
    }
    expect(shown).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'ui-decoded-arrangement.png'), fullPage: true });
    expect(await page.innerText('body')).toContain('"exam_url": "https://exam.example/ui"');
  });
});

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { arrangeExam, startExam } from '../../src/client';
import { ecoExamWorkflowId } from '../../src/common/constants';
import { signNotification } from '../../src/activities/notify-exam-system';
import { examStatus } from '../../src/workflows/definitions';
import type { ecoExamWorkflow } from '../../src/workflows/eco-exam-workflow';
import { maybeRecordHistory, startExamHarness, uniqueId, type ExamHarness } from '../support/exam-harness';

/** The optional notification of the exam system, against a real local HTTP endpoint standing in for it. */
const SECRET = 'exam-system-webhook-secret-0123';
type Received = { headers: IncomingHttpHeaders; body: string; examId: string };
const received: Received[] = [];
/** Answers per exam id, consumed in order; default 200. 'hang' never answers. */
const script = new Map<string, Array<number | 'hang'>>();
let server: Server;
let h: ExamHarness;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const examId = (JSON.parse(body) as { examId: string }).examId;
      received.push({ headers: req.headers, body, examId });
      const next = script.get(examId)?.shift() ?? 200;
      if (next === 'hang') return;
      res.writeHead(next).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  h = await startExamHarness({
    examSystem: { webhookUrl: `http://127.0.0.1:${port}/feishu-exams`, secret: SECRET, timeoutMs: 1000 },
  });
}, 120_000);
afterAll(async () => {
  await h?.stop();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

async function startNotified(answers: Array<number | 'hang'> = []) {
  const examId = uniqueId('n').replace('n-', '4');
  script.set(examId, answers);
  await startExam(
    h.env.client,
    { examId, paperId: 'paper-9', candidate: { name: '王二', email: 'x@y.z' } },
    { taskQueue: h.taskQueue, notifyExamSystem: true },
  );
  return { examId, handle: h.env.client.workflow.getHandle<typeof ecoExamWorkflow>(ecoExamWorkflowId(examId)) };
}

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const arrangement = { exam_login_info: { exam_url: 'https://exam.example/n' } };

describe('notifyExamSystem', () => {
  it('POSTs the new exam, signed with HMAC-SHA256, then the exam goes on as usual', async () => {
    const { examId, handle } = await startNotified();
    await until(async () => (await handle.query(examStatus)).examSystemNotified === true);
    const [delivery, ...more] = received.filter((r) => r.examId === examId);
    expect(more).toEqual([]);
    expect(JSON.parse(delivery!.body)).toEqual({
      type: 'exam.created',
      examId,
      workflowId: ecoExamWorkflowId(examId),
      paperId: 'paper-9',
      candidate: { name: '王二', email: 'x@y.z' },
      arrangementDeadline: expect.any(String) as string,
    });
    const timestamp = delivery!.headers['x-exam-bridge-timestamp'] as string;
    expect(delivery!.headers['x-exam-bridge-signature']).toBe(signNotification(SECRET, timestamp, delivery!.body));
    expect(delivery!.headers['content-type']).toBe('application/json; charset=utf-8');

    await arrangeExam(h.env.client, examId, arrangement);
    expect(await handle.result()).toMatchObject({ status: 'submitted' });
    await maybeRecordHistory(h.env, examId, 'notified');
  });

  it('retries a failing exam system with the same delivery id', async () => {
    const { examId, handle } = await startNotified([503, 500]);
    await until(async () => (await handle.query(examStatus)).examSystemNotified === true);
    const deliveries = received.filter((r) => r.examId === examId);
    expect(deliveries).toHaveLength(3);
    expect(new Set(deliveries.map((d) => d.headers['x-exam-bridge-delivery'])).size).toBe(1);
  });

  it('does not retry a 400, records why, and still accepts the arrangement', async () => {
    const { examId, handle } = await startNotified([400]);
    await until(async () => (await handle.query(examStatus)).examSystemNotified === false);
    const status = await handle.query(examStatus);
    expect(status).toMatchObject({ status: 'awaiting_arrangement', lastError: { type: 'ExamSystemRejected' } });
    expect(received.filter((r) => r.examId === examId)).toHaveLength(1);
    await arrangeExam(h.env.client, examId, arrangement);
    expect(await handle.result()).toMatchObject({ status: 'submitted' });
  });

  it('cancels a notification still in flight when the arrangement arrives first', async () => {
    const { examId, handle } = await startNotified(['hang', 'hang', 'hang']);
    await until(async () => received.some((r) => r.examId === examId));
    await arrangeExam(h.env.client, examId, arrangement);
    expect(await handle.result()).toMatchObject({ status: 'submitted' });
    expect((await handle.query(examStatus)).examSystemNotified).toBeUndefined();
  });
});

import { createHmac } from 'node:crypto';
import {
  SAMPLE_CREDENTIALS,
  startSampleSystems,
  type SampleSystems,
} from '../../samples/startSampleSystems';
import { startRedisServer, type RedisServer } from '../support/redisServer';
import { runProductionOnRedis, type MainProcess } from '../support/runMain';
import { findCodes } from '../support/sampleCodes';

/** Signs like a provincial system would, independently of the gateway's own code. */
function sign(body: string, secret: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

async function push(gateway: MainProcess, body: string, signature: string) {
  const response = await fetch(`${gateway.url}/hooks/bo-noi-vu-dvc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': signature },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

/**
 * Two gateway processes on one Redis: while Redis does not answer, a push cannot be checked
 * against the replay memory they share, so each refuses it as retryable instead of accepting it
 * on its own memory (which would let the other accept the same push again).
 */
describe('Status pushes across replicas: no replay while the shared guard cannot be asked', () => {
  let samples: SampleSystems;
  let redis: RedisServer;
  const gateways: MainProcess[] = [];
  beforeAll(async () => {
    samples = await startSampleSystems({ size: 200, seed: 71 });
    redis = await startRedisServer();
    for (let i = 0; i < 2; i += 1)
      gateways.push(
        await runProductionOnRedis(samples.variables, { REDIS_URL: redis.url }, 'replay:'),
      );
  }, 60_000);
  afterAll(async () => {
    // A frozen Redis is let go first, whatever the test left it in.
    redis.process.kill('SIGCONT');
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await redis.stop();
    await samples.close();
  });

  it('refuses pushes with a retryable 503 while Redis is frozen or stopped, and accepts the same push once, after', async () => {
    const [first, second] = gateways as [MainProcess, MainProcess];
    const [code] = findCodes(samples.ministry.dataset, 1);
    const body = JSON.stringify({ DanhSachMaHoSo: [code] });
    const signed = () => sign(body, SAMPLE_CREDENTIALS.SAMPLE_MINISTRY_PUSH_SECRET);
    /** A sender retrying after each 503, as told, until a final answer. */
    const retried = async (gateway: MainProcess, signature: string) => {
      const deadline = Date.now() + 15_000;
      let answer = await push(gateway, body, signature);
      while (answer.status === 503 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        answer = await push(gateway, body, signature);
      }
      return answer;
    };

    // Frozen (SIGSTOP): connections stay open, nothing answers; what each replica sent runs when
    // Redis thaws, after the replica has given up on it.
    const signature = signed();
    redis.process.kill('SIGSTOP');
    try {
      for (const gateway of [first, second]) {
        const refused = await push(gateway, body, signature);
        expect(refused).toMatchObject({ status: 503, retryAfter: '2', body: { retryable: true } });
        expect(refused.body.error).toContain('replay check shared by the replicas');
      }
    } finally {
      redis.process.kill('SIGCONT');
    }
    // The sender's retry, wherever it lands, is accepted once; then it is a replay everywhere.
    expect(await retried(second, signature)).toMatchObject({ status: 202 });
    for (const gateway of [first, second])
      expect(await push(gateway, body, signature)).toMatchObject({
        status: 401,
        body: { error: 'push refused: signature already used (replay)' },
      });

    // Stopped: connections refused, the same answer at once; a new Redis, the same rule.
    const port = redis.port;
    await redis.stop();
    // Another signature of the same body (30 s older, still inside the 5-minute window).
    const resigned = sign(
      body,
      SAMPLE_CREDENTIALS.SAMPLE_MINISTRY_PUSH_SECRET,
      Math.floor(Date.now() / 1000) - 30,
    );
    for (const gateway of [first, second])
      expect(await push(gateway, body, resigned)).toMatchObject({ status: 503, retryAfter: '2' });
    redis = await startRedisServer([], port);
    expect(await retried(first, resigned)).toMatchObject({ status: 202 });
    expect((await push(second, body, resigned)).status).toBe(401);
  }, 60_000);
});

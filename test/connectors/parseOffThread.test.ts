import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OFF_THREAD_CHARS, SoapParseThread } from '../../connectors/soap/parseOffThread';
import { parseSoapResponse } from '../../connectors/soap/parseSoapResponse';
import { startSampleSystems, type SampleSystems } from '../../samples/startSampleSystems';
import { callLandSoap, LAND_NS } from '../support/landSoap';
import { findCodes } from '../support/sampleCodes';

/**
 * Large SOAP answers are read in a worker thread (a real one, from the TypeScript source here):
 * the reading is the calling thread's, value for value, and an answer is never lost to the
 * worker — one that dies or cannot start has its answers read in the calling thread.
 */
describe('SOAP answers read off the serving thread', () => {
  let samples: SampleSystems;
  const answers: string[] = [];
  const threads: SoapParseThread[] = [];
  const thread = (options?: ConstructorParameters<typeof SoapParseThread>[0]) => {
    const created = new SoapParseThread(options);
    threads.push(created);
    return created;
  };

  beforeAll(async () => {
    samples = await startSampleSystems({ size: 3000, seed: 2025 });
    const codes = findCodes(samples.land.dataset, 200, () => true);
    samples.land.faults.brokenCodes.add(codes[5] as string);
    const call = (list: string) =>
      callLandSoap(
        samples.variables.SAMPLE_LAND_URL as string,
        'TraCuuHoSo',
        `<TraCuuHoSo xmlns="${LAND_NS}"><DanhSachMaHoSo>${list}</DanhSachMaHoSo></TraCuuHoSo>`,
      );
    for (let i = 0; i < codes.length; i += 20)
      answers.push(
        await call(
          codes
            .slice(i, i + 20)
            .map((code) => `<string>${code}</string>`)
            .join(''),
        ),
      );
  }, 60_000);
  afterAll(async () => {
    await Promise.all(threads.map((t) => t.close()));
    await samples.close();
  });

  it('reads a batch answer in the worker exactly as in the calling thread', async () => {
    const parser = thread();
    expect(answers.every((text) => text.length >= OFF_THREAD_CHARS)).toBe(true);
    // All at once, as a 300-code batch's answers arrive: each comes back to its own caller.
    const read = answers.map((text) => parser.parse(text));
    expect(read.every((answer) => answer instanceof Promise)).toBe(true);
    expect(parser.running).toBe(true);
    const offThread = await Promise.all(read);
    expect(offThread).toStrictEqual(answers.map((text) => parseSoapResponse(text)));
    // Read by the worker itself, not by a fallback here: it answered and is still there.
    expect(parser.running).toBe(true);
    expect(parser.lostWorkers).toBe(0);
    const first = offThread[0] as { ok: true; body: Record<string, unknown> };
    expect(first.ok).toBe(true);
    // Plain data, as the calling thread's reading gives it (mappings read it the same way). Its
    // prototype is the process's Object.prototype (Jest's test realm has another).
    const prototype = Object.getPrototypeOf(first.body) as object;
    expect(prototype.constructor.name).toBe('Object');
    expect(Object.getPrototypeOf(prototype)).toBeNull();
    // A fault and an unreadable answer come back as such too.
    const fault = answers[0]?.replace(
      /<soap:Body>[\s\S]*<\/soap:Body>/,
      `<soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>${'x'.repeat(OFF_THREAD_CHARS)}</faultstring></soap:Fault></soap:Body>`,
    ) as string;
    const broken = `${answers[0]?.slice(0, -20)}`;
    expect(await parser.parse(fault)).toStrictEqual(parseSoapResponse(fault));
    expect(await parser.parse(broken)).toStrictEqual(parseSoapResponse(broken));
    expect((await parser.parse(broken)).ok).toBe(false);
  });

  it('reads a small answer in the calling thread, starting no worker', () => {
    const parser = thread();
    const small = answers[0]?.replace(/<HoSo>[\s\S]*<\/HoSo>/, '') as string;
    expect(small.length).toBeLessThan(OFF_THREAD_CHARS);
    const read = parser.parse(small);
    expect(read).not.toBeInstanceOf(Promise);
    expect(read).toStrictEqual(parseSoapResponse(small));
    expect(parser.running).toBe(false);
  });

  it('lets an idle worker end, and starts another for the next large answer', async () => {
    const parser = thread({ idleMs: 50 });
    await parser.parse(answers[1] as string);
    expect(parser.running).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(parser.running).toBe(false);
    expect(await parser.parse(answers[2] as string)).toStrictEqual(
      parseSoapResponse(answers[2] as string),
    );
  });

  it('reads the answers of a worker that cannot run in the calling thread, then stops trying', async () => {
    // A heap far too small for the worker even to start: it dies at once, every time.
    const parser = thread({ limits: { maxOldGenerationSizeMb: 1, maxYoungGenerationSizeMb: 1 } });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const read = parser.parse(answers[attempt] as string);
      expect(read).toBeInstanceOf(Promise);
      expect(await read).toStrictEqual(parseSoapResponse(answers[attempt] as string));
    }
    // Three workers lost: from now on every answer is read here, at once.
    const read = parser.parse(answers[3] as string);
    expect(read).not.toBeInstanceOf(Promise);
    expect(read).toStrictEqual(parseSoapResponse(answers[3] as string));
  });

  it('reads what was sent to a worker being closed in the calling thread', async () => {
    const parser = thread();
    const read = answers.map((text) => parser.parse(text));
    await parser.close();
    expect(await Promise.all(read)).toStrictEqual(answers.map((text) => parseSoapResponse(text)));
    expect(parser.running).toBe(false);
  });

  it('gives up on an answer the worker takes too long over, and reads the others here', async () => {
    // 1 ms: the worker is still starting when the first answer's time is up.
    const parser = thread({ stuckMs: 1 });
    const read = answers.slice(0, 3).map((text) => parser.parse(text));
    const [first, ...others] = await Promise.all(read);
    expect(first).toEqual({ ok: false, unreadable: 'reading the answer took longer than 1 ms' });
    expect(others).toStrictEqual(answers.slice(1, 3).map((text) => parseSoapResponse(text)));
    expect(parser.lostWorkers).toBe(1);
    expect(parser.running).toBe(false);
  });

  it('does not keep a process alive once its answers are read, whatever its working directory', async () => {
    // A process elsewhere (no node_modules around it) reads one large answer through the worker
    // and has nothing else to do: it ends at once, not when the worker's 30 s idle time is up.
    const dir = await mkdtemp(join(tmpdir(), 'soap-thread-'));
    const answerFile = join(dir, 'answer.xml');
    await writeFile(answerFile, answers[0] as string);
    const script = join(dir, 'read.ts');
    await writeFile(
      script,
      `import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { SoapParseThread } from ${JSON.stringify(join(__dirname, '../../connectors/soap/parseOffThread'))};
import { parseSoapResponse } from ${JSON.stringify(join(__dirname, '../../connectors/soap/parseSoapResponse'))};
const text = readFileSync(${JSON.stringify(answerFile)}, 'utf8');
const thread = new SoapParseThread();
void (async () => {
  const read = thread.parse(text);
  const answer = await read;
  console.log(JSON.stringify({ promise: read instanceof Promise, same: isDeepStrictEqual(answer, parseSoapResponse(text)), lost: thread.lostWorkers, running: thread.running, at: Date.now() }));
})();
`,
    );
    const started = Date.now();
    const child = spawn(
      process.execPath,
      ['--import', pathToFileURL(require.resolve('tsx')).href, script],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const ended = Date.now();
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('"same":true') });
    const result = JSON.parse(output.trim().split('\n').at(-1) as string) as {
      promise: boolean;
      lost: number;
      running: boolean;
      at: number;
    };
    expect(result).toMatchObject({ promise: true, lost: 0, running: true });
    // Ended within moments of its answer (the worker's idle end is 30 s away).
    expect(ended - result.at).toBeLessThan(5_000);
    expect(ended - started).toBeLessThan(25_000);
  }, 40_000);
});

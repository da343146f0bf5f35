import { parentPort, workerData } from 'node:worker_threads';
import { BUILTIN_KINDS } from '../connectors/builtinKinds';
import type { GatewayConfig } from './config/readConfig';
import { createLogger } from './platform/logger';
import { projectRoot } from './platform/projectRoot';
import { ConnectorRegistry } from './registry/ConnectorRegistry';
import { loadKindModules } from './registry/loadKindModules';
import type { Registration } from './registry/Registration';
import { NetworkPolicy } from './runtime/NetworkPolicy';
import { AgencyDirectory } from './domain/AgencyDirectory';
import { withEntries } from './services/agencies/effectiveDirectory';
import { readAgencyDirectoryFile } from './services/agencies/loadAgencyDirectory';
import { HolidayCalendar } from './services/calendar/HolidayCalendar';
import { WorkingTimeService } from './services/calendar/WorkingTimeService';
import type { ReportJob } from './services/reports/ReportJob';
import { ReportRefusedError } from './services/reports/ReportRefusedError';
import type { WorkerReply, WorkerRequest } from './services/reports/ReportRunner';
import { runReport, type ReportRunDeps } from './services/reports/runReport';
import { IndicatorTargets } from './services/reports/targets';

/**
 * The report worker thread (services/reports/ReportRunner.ts): its own heap, with a limit, and its own event loop,
 * so a report's pages — parsed, mapped, counted — neither grow the serving thread's heap nor hold
 * up its lookups. It builds what a report reads (connectors for the registrations it is sent,
 * the directory with the runtime entries it is sent, working time, targets) from the gateway's
 * configuration, then runs reports as asked and answers each page's checkpoint and the result.
 */
async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('reportWorker runs as a worker thread');
  const config = (workerData as { config: GatewayConfig }).config;
  const logger = createLogger(config.logLevel);
  const kinds = loadKindModules(config.kindModules, BUILTIN_KINDS, projectRoot());
  const registry = new ConnectorRegistry(kinds, {
    logger,
    now: () => new Date(),
    network: NetworkPolicy.fromList(config.upstreamAllow),
  });
  // The file's agencies; the runtime entries in effect come with each report (below).
  const fileAgencies = await readAgencyDirectoryFile(config.agencyDirectoryFile);
  const directory = new AgencyDirectory(fileAgencies);
  let applied = '[]';
  const targets = await IndicatorTargets.load(config.targetsFile);
  const deps: ReportRunDeps = {
    registry,
    directory,
    workingTime: new WorkingTimeService(
      await HolidayCalendar.load(config.holidaysFile),
      directory,
      targets.rules.lateFromSupplementRequests,
    ),
    targets,
    now: () => new Date(),
  };
  let registered = '';
  const aborts = new Map<string, AbortController>();
  const reply = (message: WorkerReply) => port.postMessage(message);
  // Indicator 1.4 from the sync bridge, which runs in the serving thread: asked page by page.
  const questions = new Map<
    number,
    (answer: { flags: boolean[]; since: string | null } | null) => void
  >();
  let asked = 0;
  if (config.sync !== null)
    deps.synced = (connectorId, codes) =>
      new Promise<{ flags: boolean[]; since: string | null }>((resolve, reject) => {
        asked += 1;
        questions.set(asked, (answer) =>
          answer === null
            ? reject(new Error('the sync bridge cannot say now which dossiers it delivered'))
            : resolve(answer),
        );
        reply({ type: 'synced?', request: asked, connectorId, codes: [...codes] });
      });

  port.on('message', (message: WorkerRequest) => {
    if (message.type === 'abort') {
      aborts.get(message.id)?.abort();
      return;
    }
    if (message.type === 'synced') {
      questions.get(message.request)?.(message.answer);
      questions.delete(message.request);
      return;
    }
    void (async () => {
      const job: ReportJob = message.job;
      const controller = new AbortController();
      aborts.set(job.id, controller);
      try {
        // The registrations as the gateway routes them now (runtime ones change while it runs).
        // Parsed configs do not cross threads whole (time zones, maps): parsed again here.
        const usable = message.registrations.flatMap((r: Registration) => {
          const kind = kinds.get(r.kind);
          if (kind === undefined || r.configInput === undefined) return [];
          const parsed = kind.configSchema.safeParse(r.configInput);
          return parsed.success ? [{ ...r, config: parsed.data }] : [];
        });
        const signature = JSON.stringify(usable.map((r) => [r.id, r.origin]));
        if (signature !== registered) {
          await registry.replaceAll(usable);
          registered = signature;
        }
        // The directory as the gateway has it now: its runtime entries over the file's (checked
        // whole there). Agencies, names and working hours of the report follow it.
        const entries = JSON.stringify(message.agencies);
        if (entries !== applied) {
          directory.replace(withEntries(fileAgencies, message.agencies));
          applied = entries;
        }
        const result = await runReport(job, message.from, deps, {
          signal: controller.signal,
          checkpoint: async (state) => reply({ type: 'checkpoint', id: job.id, state }),
        });
        reply({
          type: 'done',
          id: job.id,
          result,
          progress: job.progress,
          problems: job.problems,
          startedAt: job.startedAt,
        });
      } catch (error) {
        reply({
          type: 'failed',
          id: job.id,
          message: (error as Error).message,
          ...(error instanceof ReportRefusedError
            ? { refused: { code: error.code, reason: error.reason } }
            : {}),
        });
      } finally {
        aborts.delete(job.id);
      }
    })();
  });
  reply({ type: 'ready' });
}

void main().catch((error: unknown) => {
  parentPort?.postMessage({ type: 'broken', message: (error as Error).message });
});

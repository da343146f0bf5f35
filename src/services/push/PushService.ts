import type { Logger } from '../../../connectors/contract';
import { isConnectorError } from '../../../connectors/ConnectorError';
import type { NationalDossier } from '../../../connectors/model';
import {
  ExpressionCompiler,
  type Evaluate,
} from '../../../connectors/shared/expression/ExpressionCompiler';
import type { DossierEvents } from '../../events/DossierEvents';
import type { ConnectorRegistry } from '../../registry/ConnectorRegistry';
import type { AgencyDirectory } from '../../domain/AgencyDirectory';
import type { DossierFetcher } from '../dossiers/DossierFetcher';
import type { ChangeTracker } from '../changes/ChangeTracker';
import type { RegisteredRuntime } from '../../registry/ConnectorRegistry';
import { routeDossierCode } from '../../domain/routeDossierCode';
import { vietnamDate, vietnamIso } from '../../domain/vietnamTime';
import { dossierKey } from '../../domain/dossierKey';
import type { ReplayGuard } from './ReplayGuard';
import { REPLAY_WINDOW_SECONDS, verifySignature } from './verifySignature';

export interface PushAnswer {
  status: number;
  body: Record<string, unknown>;
  /** For a 503: when to send the push again (`Retry-After`). */
  retryAfterSeconds?: number;
}

/** How long a sender waits before sending a push refused as retryable again. */
export const PUSH_RETRY_AFTER_SECONDS = 2;

export interface PushServiceDeps {
  registry: ConnectorRegistry;
  directory: AgencyDirectory;
  fetcher: DossierFetcher;
  events: DossierEvents;
  /** Where pushed states become changes (one change, however many times it is pushed or polled). */
  tracker: ChangeTracker;
  /** Time budget of reading pushed codes from their system. */
  readBudgetMs: number;
  /** Signatures already accepted (shared through Redis when there is one). */
  replays: ReplayGuard;
  logger: Logger;
  now: () => Date;
}

/** Push expressions run within 200 ms each (docs/resilience.md "Status pushes"). */
const PUSH_EXPRESSIONS = new ExpressionCompiler(200);

/**
 * Status pushes from provincial systems (POST /hooks/<connector>): signed with the registration's
 * secret, inside a five-minute window, each signature accepted once. A push names changed codes
 * (their cached answers are dropped, and the gateway reads them from the system at once) or
 * carries full records in the system's own format (mapped like lookups and cached as just
 * fetched). Either way the states go to the change tracker, which announces those that are new
 * (docs/changes.md): one change, however often it is pushed or polled. Codes a system does not own are ignored:
 * a province cannot touch another's dossiers.
 */

export class PushService {
  /** Compiled push expressions, by source (a registration's `push.codes` and `push.records`). */
  private readonly compiled = new Map<string, Evaluate>();

  constructor(private readonly deps: PushServiceDeps) {}

  private expression(source: string): Evaluate {
    let evaluate = this.compiled.get(source);
    if (evaluate === undefined) {
      // Bounded: registrations come and go, their sources with them.
      if (this.compiled.size >= 1000) this.compiled.clear();
      evaluate = PUSH_EXPRESSIONS.compile(source);
      this.compiled.set(source, evaluate);
    }
    return evaluate;
  }

  async receive(
    connectorId: string,
    body: Buffer,
    signature: string | undefined,
  ): Promise<PushAnswer> {
    const runtime = this.deps.registry.runtime(connectorId);
    const push = runtime?.registration.push;
    if (runtime === undefined || push === undefined) {
      return {
        status: 404,
        body: { error: `no push endpoint for ${JSON.stringify(connectorId.slice(0, 64))}` },
      };
    }
    const check = verifySignature(
      signature,
      body,
      push.secret,
      Math.floor(this.deps.now().getTime() / 1000),
    );
    // A signature is claimed once, for longer than the window in which it could be accepted.
    const claimKey = check.ok ? `push-seen:${connectorId}:${check.signature}` : '';
    const claim = check.ok
      ? await this.deps.replays.claim(claimKey, 2 * REPLAY_WINDOW_SECONDS)
      : 'replay';
    if (claim === 'unavailable' || claim === 'pending') {
      // Nothing claimed: the same signed push, sent again within its window, is accepted then.
      const why =
        claim === 'unavailable'
          ? 'the replay check shared by the replicas cannot be asked'
          : 'the same push is being checked by a replica';
      return {
        status: 503,
        body: {
          error: `push not accepted now: ${why}; send it again in ${PUSH_RETRY_AFTER_SECONDS} s`,
          retryable: true,
        },
        retryAfterSeconds: PUSH_RETRY_AFTER_SECONDS,
      };
    }
    if (claim === 'replay') {
      const reason = check.ok ? 'signature already used (replay)' : check.reason;
      this.deps.logger.warn({ connector: connectorId, reason }, 'status push refused');
      return { status: 401, body: { error: `push refused: ${reason}` } };
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return { status: 400, body: { error: 'the push body is not JSON' } };
    }
    const registration = runtime.registration;
    const today = vietnamDate(this.deps.now());
    // The dossier's key when this system owns the code (upper-cased for a system whose codes are
    // case-insensitive: one dossier, one entry, one state), else null.
    const owned = (code: string): string | null => {
      const routed = routeDossierCode(
        code,
        this.deps.directory,
        this.deps.registry.coverage,
        today,
      );
      return routed.ok && routed.route.connectorId === connectorId ? routed.route.key : null;
    };
    let ignored = 0;
    const named = new Set<string>();
    const dossiers: NationalDossier[] = [];
    try {
      if (push.codes !== undefined) {
        const selected = await this.expression(push.codes)(parsed);
        const codes = selected === undefined || selected === null ? [] : [selected].flat();
        for (const code of codes) {
          const key = typeof code === 'string' ? owned(code) : null;
          if (key !== null) named.add(key);
          else ignored += 1;
        }
        await this.deps.fetcher.forget(connectorId, [...named]);
      }
      if (push.records !== undefined) {
        const selected = await this.expression(push.records)(parsed);
        const records = selected === undefined || selected === null ? [] : [selected].flat();
        const mapped = runtime.mapRecords === undefined ? [] : await runtime.mapRecords(records);
        for (const result of mapped) {
          if (!isConnectorError(result) && owned(result.code) !== null) dossiers.push(result);
          else ignored += 1;
        }
        await this.deps.fetcher.store(registration, dossiers);
      }
    } catch (error) {
      this.deps.logger.warn(
        { connector: connectorId, code: (error as { code?: unknown }).code },
        'status push unreadable',
      );
      return {
        status: 400,
        body: {
          error: 'the push body does not match the registration (push.codes / push.records)',
        },
      };
    }
    for (const dossier of dossiers)
      named.delete(dossierKey(registration.coverage.codes, dossier.code));
    try {
      // Recorded before the answer: a 202 means the change is in the outbox (or was known).
      await this.deps.tracker.observe(registration, dossiers, 'push');
      if (named.size > 0) await this.readNamed(runtime, [...named]);
    } catch (error) {
      // Not recorded: the same push, sent again, is accepted then (its signature is given back).
      await this.deps.replays.release(claimKey).catch(() => undefined);
      this.deps.logger.warn(
        { connector: connectorId, err: (error as Error).message },
        'status push not recorded; refused as retryable',
      );
      return {
        status: 503,
        body: {
          error: `push not recorded now: the gateway's change store or sync outbox cannot be reached; send it again in ${PUSH_RETRY_AFTER_SECONDS} s`,
          retryable: true,
        },
        retryAfterSeconds: PUSH_RETRY_AFTER_SECONDS,
      };
    }
    const accepted = named.size + dossiers.length;
    this.deps.logger.info({ connector: connectorId, accepted, ignored }, 'status push received');
    return { status: 202, body: { accepted, ignored } };
  }

  /**
   * Reads the codes a push named from their system (within `readBudgetMs`), caches them and hands
   * them to the tracker. Codes the system cannot answer for now are announced as changed (their
   * cached answers were dropped, so the next lookup asks the system) and put first in the recheck
   * rotation, so that a registration that declares `changes.recheck` reads them at its next poll.
   * Throws when the tracker cannot record what was read.
   */
  private async readNamed(runtime: RegisteredRuntime, codes: readonly string[]): Promise<void> {
    const outcomes = await runtime.getDossiers(codes, {
      signal: AbortSignal.timeout(this.deps.readBudgetMs),
      requestId: `push-${runtime.id}-${Date.now()}`,
    });
    const found: NationalDossier[] = [];
    const unread: string[] = [];
    codes.forEach((code, index) => {
      const outcome = outcomes[index];
      if (outcome?.kind === 'found') found.push(outcome.dossier);
      else if (outcome?.kind !== 'notFound') unread.push(code);
    });
    await this.deps.fetcher.store(runtime.registration, found);
    await this.deps.tracker.observe(runtime.registration, found, 'push');
    if (unread.length > 0) {
      this.deps.logger.warn(
        { connector: runtime.id, codes: unread.length },
        'pushed codes not read from their system now; left for the next reading',
      );
      await this.deps.tracker.unsee(runtime.id, unread);
      await this.announce(runtime.id, unread);
    }
  }

  private async announce(connectorId: string, codes: readonly string[]): Promise<void> {
    await this.deps.events.publish({
      connectorId,
      codes: [...codes],
      changedAt: vietnamIso(this.deps.now()),
    });
  }
}

import { z } from 'zod';
import { expression } from '../../connectors/shared/expression/expressionSchema';
import {
  isAgencyCode,
  canonicalAgencyCode,
  isHierarchyKey,
} from '../../connectors/shared/agencyCode';
import { DEFAULT_FRESHNESS, DEFAULT_TTL_SECONDS } from '../domain/cachePolicy';
import { dossierCodePatternProblem } from '../domain/dossierCodePattern';
import { resilienceSchema } from '../runtime/resilience';
import { upstreamAuthSchema } from '../runtime/upstreamAuth';

const agencyCode = z
  .string()
  .refine(isAgencyCode, 'an agency code of digits, A–Z and dots, at most 35 characters')
  .transform(canonicalAgencyCode);

const pattern = z
  .string()
  .max(500)
  .superRefine((source, ctx) => {
    const problem = dossierCodePatternProblem(source);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });

/** What a registration covers (docs/decisions/0001-coverage-follows-the-agency-hierarchy.md). */
export const coverageSchema = z
  .strictObject({
    /** Exact agency codes (`000.00.00.H56`); a closed code listed here is served here, not by its successors. */
    agencies: z.array(agencyCode).default([]),
    /** Hierarchy keys (`H56` every unit of Thanh Hóa, `H56.22` one branch), read as in agencyCode.ts. */
    units: z
      .array(z.string().refine(isHierarchyKey, 'a hierarchy key such as H56 or H56.22'))
      .default([]),
    /**
     * For non-standard dossier codes (`03706/2026/07906`): a regular expression the whole code must
     * match (run in linear time). A named group `agency` names the code's agency; with `agencies`
     * or `units` declared, only codes naming one of them (or their units) come here.
     */
    dossierCodePattern: pattern.optional(),
  })
  .refine(
    (c) => c.agencies.length + c.units.length > 0 || c.dossierCodePattern !== undefined,
    'declare at least one of agencies, units or dossierCodePattern',
  );

const ttlSeconds = z
  .number()
  .int()
  .min(0)
  .max(30 * 86_400);

/** The part of a registration the gateway reads; `config` belongs to the connector kind. */
export const registrationSchema = z.strictObject({
  /** Stable id: lower case letters, digits and dashes (`thanh-hoa-igate`). */
  id: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/,
      'lower-case letters, digits and dashes, 3–64 characters',
    ),
  kind: z.string().min(1),
  name: z
    .string()
    .min(1)
    .transform((name) => name.normalize('NFC')),
  description: z.string().optional(),
  coverage: coverageSchema,
  upstream: z.strictObject({
    baseUrl: z
      .url({ protocol: /^https?$/, error: 'an absolute http(s) URL' })
      // Zod runs this even when the URL check failed (`//host/` has no scheme): parse it only if
      // it parses, the check has named the problem already.
      .refine(
        (url) =>
          !URL.canParse(url) || (new URL(url).username === '' && new URL(url).password === ''),
        'no user or password in the URL; put credentials in upstream.auth',
      ),
    /** One credential or a list of them, all sent on every call (src/runtime/upstreamAuth.ts). */
    auth: upstreamAuthSchema.default({ type: 'none' }),
    /** Per-call timeout. Default 3000 ms. */
    timeoutMs: z.number().int().min(50).max(60_000).default(3000),
    /**
     * Read answers in this charset whatever they declare (`windows-1252` for a system that sends
     * Latin-1 bytes labelled UTF-8). Default: the charset the answer declares, else UTF-8.
     */
    charset: z
      .string()
      .refine((label) => {
        try {
          new TextDecoder(label);
          return true;
        } catch {
          return false;
        }
      }, 'a charset label such as utf-8 or windows-1252')
      .optional(),
    /** Retries, circuit breaker, concurrency and rate limits; defaults in src/runtime/resilience.ts. */
    resilience: resilienceSchema,
    /** Largest answer accepted. Default 10 MiB. */
    maxResponseBytes: z
      .number()
      .int()
      .min(1024)
      .max(512 * 1024 * 1024)
      .default(10 * 1024 * 1024),
  }),
  cache: z
    .strictObject({
      /** Fresh lifetime by national status name; defaults in src/domain/cachePolicy.ts. */
      ttlSeconds: z
        .strictObject(
          Object.fromEntries(
            Object.keys(DEFAULT_TTL_SECONDS).map((name) => [name, ttlSeconds.optional()]),
          ) as Record<keyof typeof DEFAULT_TTL_SECONDS, z.ZodOptional<typeof ttlSeconds>>,
        )
        .default({}),
      /** Past its fresh lifetime × this, a value is refetched before it is served. Default 5. */
      hardLifetimeFactor: z.number().min(1).max(100).default(DEFAULT_FRESHNESS.hardLifetimeFactor),
      /** Oldest value (since fetched) served when the system fails. Default 86 400 s (1 day). */
      maxStaleSeconds: z
        .number()
        .int()
        .min(0)
        .max(90 * 86_400)
        .default(DEFAULT_FRESHNESS.maxStaleSeconds),
      /** How long "no such dossier" is remembered. Default 30 s; 0 turns it off. */
      notFoundTtlSeconds: z
        .number()
        .int()
        .min(0)
        .max(86_400)
        .default(DEFAULT_FRESHNESS.notFoundTtlSeconds),
      /**
       * A value past its hard lifetime is answered stale when its refetch takes longer than this,
       * and the refetch finishes in the background. Default 1000 ms; 0 waits the whole budget.
       */
      softDeadlineMs: z.number().int().min(0).max(60_000).default(DEFAULT_FRESHNESS.softDeadlineMs),
    })
    .default({ ttlSeconds: {}, ...DEFAULT_FRESHNESS }),
  /**
   * Status pushes (POST /hooks/<id>): the system signs each push with this secret
   * (`X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`); the body names changed codes
   * or carries full records in the system's own format, mapped like lookups.
   */
  push: z
    .strictObject({
      /** Shared secret, at least 16 characters; keep it in an environment variable. */
      secret: z.string().min(16, 'at least 16 characters'),
      /** JSONata over the pushed body giving the changed codes. Default `codes` (unless `records` is set). */
      codes: expression.optional(),
      /** JSONata over the pushed body giving full records, mapped like lookups. */
      records: expression.optional(),
    })
    .optional(),
  /**
   * How the gateway finds the system's changes when it does not push them all (docs/changes.md):
   * polled every `everySeconds`, by one replica at a time, within the system's rate limits.
   */
  changes: z
    .strictObject({
      /** Time between two polls. Default 60 s. */
      everySeconds: z.number().int().min(10).max(86_400).default(60),
      /**
       * Reads the listing by date received for the last `days` days (today included): a dossier
       * whose status or dates differ from those known, or never seen, is looked up.
       */
      listing: z.strictObject({ days: z.number().int().min(1).max(92).default(7) }).optional(),
      /**
       * Looks up at most `perPoll` of the open dossiers the gateway knows of the system, the
       * longest unchecked first (dossiers it learnt of by lookups, pushes or the listing).
       */
      recheck: z
        .strictObject({ perPoll: z.number().int().min(1).max(5_000).default(100) })
        .optional(),
      /**
       * Reads the dossiers changed since the start of the last complete read, less
       * `overlapSeconds` (the kind's `config.changedSince` request): a dossier whose status or
       * dates differ from those known, or never seen, is looked up.
       */
      modified: z
        .strictObject({ overlapSeconds: z.number().int().min(0).max(3_600).default(60) })
        .optional(),
    })
    .refine(
      (changes) =>
        changes.listing !== undefined ||
        changes.recheck !== undefined ||
        changes.modified !== undefined,
      {
        message:
          'say how changes are read: `modified: {overlapSeconds}`, `listing: {days}`, `recheck: {perPoll}`, or several',
      },
    )
    .optional(),
  /** The connector kind's own settings, validated by its schema. */
  config: z.unknown(),
});

export type RegistrationInput = z.input<typeof registrationSchema>;
export type Coverage = z.output<typeof coverageSchema>;

import Mustache from 'mustache';
import { z } from 'zod';
import { dossierMappingSchema } from '../shared/dossierMapping';
import { expression } from '../shared/expression/expressionSchema';
import { catalogueCommon } from '../shared/catalogueSchema';
import {
  changedSinceCommon,
  checkChangedSinceSendsSince,
  checkListingSendsAgency,
  listingCommon,
} from '../shared/listingSchema';
import { tablesSchema } from '../shared/tablesSchema';

/** A request body template: Mustache, values XML-escaped (`{{code}}`, `{{#codes}}…{{.}}…{{/codes}}`). */
const template = z
  .string()
  .min(1)
  .superRefine((source, ctx) => {
    try {
      Mustache.parse(source);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `not a valid template: ${(error as Error).message}`,
      });
    }
    // {{{x}}} and {{& x}} skip escaping: a code could then inject markup into the envelope.
    if (/\{\{\{|\{\{\s*&/.test(source)) {
      ctx.addIssue({
        code: 'custom',
        message: 'unescaped values ({{{…}}} or {{& …}}) are not allowed; use {{…}}',
      });
    }
  });

const path = z
  .string()
  .regex(/^(\/[^\s]*)?$/, 'a path relative to the base URL, starting with "/" (or empty)')
  .refine(
    (value) => !value.split(/[/?#]/).some((s) => s === '..' || s === '.'),
    'a path without "." or ".." segments',
  )
  .default('');

const operation = {
  /** Path of the endpoint below the base URL. Default: the base URL itself. */
  path,
  /** SOAPAction of the operation (SOAP 1.1 header; SOAP 1.2 `action` parameter). */
  action: z.string().min(1),
  /** The Body's content, as a template. */
  body: template,
};

export const soapConfigSchema = z
  .strictObject({
    /** Default 1.1. */
    soapVersion: z.enum(['1.1', '1.2']).default('1.1'),
    /** WS-Security UsernameToken in the Header (OASIS WSS 1.0 Username Token Profile). */
    wsSecurity: z
      .strictObject({
        username: z.string().min(1),
        password: z.string().min(1),
        /** Default PasswordText; PasswordDigest sends Base64(SHA-1(nonce + created + password)). */
        passwordType: z.enum(['PasswordText', 'PasswordDigest']).default('PasswordText'),
      })
      .optional(),
    lookup: z
      .strictObject({
        bulk: z
          .strictObject({
            ...operation,
            /** JSONata over the parsed Body selecting the records. */
            records: expression,
            /** Most codes per call. Default 20. */
            maxBatch: z.number().int().min(1).max(1000).default(20),
          })
          .optional(),
        single: z
          .strictObject({
            ...operation,
            /** JSONata over the parsed Body selecting the record; empty means not found. */
            record: expression,
          })
          .optional(),
        /** Single lookups in flight to this system. Default 4. */
        concurrency: z.number().int().min(1).max(64).default(4),
      })
      .refine((lookup) => lookup.bulk !== undefined || lookup.single !== undefined, {
        message: 'declare lookup.bulk, lookup.single, or both',
      }),
    faults: z
      .strictObject({
        /** Faults meaning "no such dossier", by fault code or subcode (local names, without prefix). */
        notFoundCodes: z.array(z.string().min(1)).default([]),
        /** Or by a JSONata predicate over the fault `{code, subcode, reason, detail}`. */
        notFoundWhen: expression.optional(),
      })
      .default({ notFoundCodes: [] }),
    mapping: dossierMappingSchema,
    /** The procedure catalogue: an operation whose Body template reads `{{page}}`, `{{size}}`, `{{cursor}}`. */
    catalogue: z.strictObject({ ...operation, ...catalogueCommon }).optional(),
    /**
     * An agency's dossiers by date received: an operation whose Body template reads `{{agency}}`,
     * `{{from}}`, `{{to}}` (written in `dateFormat`, default yyyy-MM-dd), `{{page}}`, `{{size}}`,
     * `{{cursor}}`; records as in lookups.
     */
    listing: z.strictObject({ ...operation, ...listingCommon }).optional(),
    /**
     * The dossiers that changed since an instant (the change feed's `changes.modified`): an
     * operation whose Body template reads `{{since}}` (written in `sinceFormat`, default ISO 8601
     * with +07:00), `{{page}}`, `{{size}}`, `{{cursor}}`; records as in lookups.
     */
    changedSince: z.strictObject({ ...operation, ...changedSinceCommon }).optional(),
    ...tablesSchema,
    limits: z
      // Wall time for mapping one record; see rest-json's `limits` for why 1000 ms.
      .strictObject({ mappingTimeoutMs: z.number().int().min(1).max(5000).default(1000) })
      .default({ mappingTimeoutMs: 1000 }),
  })
  .superRefine((config, ctx) => {
    const { listing, changedSince } = config;
    if (listing !== undefined)
      checkListingSendsAgency(listing, templateReads(listing.body, 'agency'), '{{agency}}', ctx);
    if (changedSince !== undefined)
      checkChangedSinceSendsSince(
        changedSince,
        templateReads(changedSince.body, 'since'),
        '{{since}}',
        ctx,
      );
  });

/** Whether a Mustache template reads `name` (as a value or a section); an invalid one reads nothing. */
function templateReads(source: string, name: string): boolean {
  let tokens: unknown[];
  try {
    tokens = Mustache.parse(source) as unknown[];
  } catch {
    return false;
  }
  const pending = [...tokens];
  while (pending.length > 0) {
    const token = pending.pop();
    if (!Array.isArray(token)) continue;
    const [type, value, , , children] = token as [string, unknown, number, number, unknown];
    if (type !== 'text' && (value === name || String(value).startsWith(`${name}.`))) return true;
    if (Array.isArray(children)) pending.push(...(children as unknown[]));
  }
  return false;
}

export type SoapConfig = z.output<typeof soapConfigSchema>;

import { z } from 'zod';

/**
 * The choices a report makes where the legal sources leave room (docs/INDICATORS.md, "Rules the
 * sources do not settle"). Read from the `rules` section of INDICATOR_TARGETS_FILE; every one has
 * a documented default.
 */
export interface ReportRules {
  /**
   * Supplement requests from which a dossier counts as late whatever its dates (the national
   * dashboard's formula document for Decision 766: "trừ trường hợp 'Yêu cầu bổ sung hồ sơ' hơn 01
   * lần thì tính quá hạn"). Null: supplement rounds never make a dossier late by themselves.
   */
  lateFromSupplementRequests: number | null;
  /**
   * How far back before the period a report lists dossiers to find those carried over (received
   * before the period, still unresolved at its start). Dossiers received earlier than this and
   * still open are not seen: the report says so in its method note.
   */
  carryOverDays: number;
  /**
   * Indicator 2.1: `ALL_TO_RESOLVE` — dossiers resolved or being resolved in time over all dossiers
   * to resolve in the period (the national dashboard's formula document for Decision 766) — or
   * `RESOLVED` — resolved before or on the due day over resolved (the result form's (8)+(9) over (7)).
   */
  onTimeDenominator: 'ALL_TO_RESOLVE' | 'RESOLVED';
  /**
   * Withdrawn (7) and stopped (8) dossiers in indicator 2.1: `OWN_COLUMNS` — left out of it, counted
   * in their own columns (docs/domain.md §5, issue 18) — or `AS_ENDED` — ended when withdrawn or stopped,
   * in time when that was by the due date (the dashboard's formula document lists them as end states).
   */
  endedWithoutResult: 'OWN_COLUMNS' | 'AS_ENDED';
}

export const DEFAULT_REPORT_RULES: ReportRules = {
  lateFromSupplementRequests: 2,
  carryOverDays: 365,
  onTimeDenominator: 'ALL_TO_RESOLVE',
  endedWithoutResult: 'OWN_COLUMNS',
};

export const reportRulesSchema = z
  .strictObject({
    lateFromSupplementRequests: z.number().int().min(1).max(10).nullable().optional(),
    carryOverDays: z.number().int().min(0).max(3660).optional(),
    onTimeDenominator: z.enum(['ALL_TO_RESOLVE', 'RESOLVED']).optional(),
    endedWithoutResult: z.enum(['OWN_COLUMNS', 'AS_ENDED']).optional(),
  })
  .optional();

/** The rules with every unset one at its default. */
export function reportRules(set: z.infer<typeof reportRulesSchema>): ReportRules {
  return {
    lateFromSupplementRequests:
      set?.lateFromSupplementRequests === undefined
        ? DEFAULT_REPORT_RULES.lateFromSupplementRequests
        : set.lateFromSupplementRequests,
    carryOverDays: set?.carryOverDays ?? DEFAULT_REPORT_RULES.carryOverDays,
    onTimeDenominator: set?.onTimeDenominator ?? DEFAULT_REPORT_RULES.onTimeDenominator,
    endedWithoutResult: set?.endedWithoutResult ?? DEFAULT_REPORT_RULES.endedWithoutResult,
  };
}

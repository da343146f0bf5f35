import { z } from 'zod';
import { loadDataFile } from '../../platform/loadDataFile';
import { hierarchyKeys } from '../../../connectors/shared/agencyCode';
import {
  DEFAULT_REPORT_RULES,
  reportRules,
  reportRulesSchema,
  type ReportRules,
} from './reportRules';

const fileSchema = z.strictObject({
  onTheSpot: z
    .array(
      z.strictObject({
        label: z.string().min(1),
        /** The share of frequently used procedures to reach, 0–1 (0.2 is 20 %). */
        target: z.number().min(0).max(1),
        /** Agency codes or hierarchy keys (H56.70: every commune of Thanh Hóa). */
        agencies: z.array(z.string().min(1)).min(1),
      }),
    )
    .default([]),
  /** What makes a procedure count (docs/INDICATORS.md, "On-the-spot processing"). */
  onTheSpotRule: z
    .strictObject({
      /** Resolved dossiers in the period from which a procedure is "frequently used" there. */
      minDossiers: z.number().int().min(1).default(10),
      /** Share of them resolved on the day received from which the procedure counts. */
      share: z.number().gt(0).max(1).default(0.9),
    })
    .default({ minDossiers: 10, share: 0.9 }),
  rules: reportRulesSchema,
});

export interface TargetGroup {
  label: string;
  target: number;
  agencies: string[];
}

export interface OnTheSpotRule {
  minDossiers: number;
  share: number;
}

/**
 * Report settings (INDICATOR_TARGETS_FILE, default data/indicator-targets.yaml): the founding
 * plan's on-the-spot targets by level — 20 % of frequently used procedures at provincial centres,
 * 50 % at the former district desks — as configuration since the levels changed in 2025, the rule
 * that makes a procedure count, and the counting rules the legal sources leave open.
 */
export class IndicatorTargets {
  private constructor(
    readonly onTheSpot: readonly TargetGroup[],
    readonly onTheSpotRule: OnTheSpotRule,
    readonly rules: ReportRules,
  ) {}

  static none(): IndicatorTargets {
    return new IndicatorTargets([], { minDossiers: 10, share: 0.9 }, DEFAULT_REPORT_RULES);
  }

  static async load(file: string): Promise<IndicatorTargets> {
    const data = await loadDataFile(file, fileSchema, 'the indicator targets');
    return new IndicatorTargets(data.onTheSpot, data.onTheSpotRule, reportRules(data.rules));
  }

  /** Whether an agency belongs to a group (by code or hierarchy key). */
  static covers(group: TargetGroup, agencyCode: string): boolean {
    return group.agencies.some(
      (entry) => entry === agencyCode || hierarchyKeys(agencyCode).includes(entry),
    );
  }
}

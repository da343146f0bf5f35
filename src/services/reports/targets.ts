import { z } from 'zod';
import { loadDataFile } from '../../config/loadDataFile';
import { hierarchyKeys } from '../agencies/agencyCode';

const fileSchema = z.strictObject({
  onTheSpot: z
    .array(
      z.strictObject({
        label: z.string().min(1),
        /** The share to reach, 0–1 (0.2 is 20 %). */
        target: z.number().min(0).max(1),
        /** Agency codes or hierarchy keys (H56.70: every commune of Thanh Hóa). */
        agencies: z.array(z.string().min(1)).min(1),
      }),
    )
    .default([]),
});

export interface TargetGroup {
  label: string;
  target: number;
  agencies: string[];
}

/**
 * Indicator targets by level (INDICATOR_TARGETS_FILE, default data/indicator-targets.yaml): the
 * founding plan's on-the-spot processing shares — 20 % at provincial centres, 50 % at the former
 * district desks — as configuration, since the levels changed in 2025.
 */
export class IndicatorTargets {
  private constructor(readonly onTheSpot: readonly TargetGroup[]) {}

  static none(): IndicatorTargets {
    return new IndicatorTargets([]);
  }

  static async load(file: string): Promise<IndicatorTargets> {
    const data = await loadDataFile(file, fileSchema, 'the indicator targets');
    return new IndicatorTargets(data.onTheSpot);
  }

  /** Whether an agency belongs to a group (by code or hierarchy key). */
  static covers(group: TargetGroup, agencyCode: string): boolean {
    return group.agencies.some(
      (entry) => entry === agencyCode || hierarchyKeys(agencyCode).includes(entry),
    );
  }
}

/**
 * The tiers the result report groups agencies under (Circular 01/2020/TT-VPCP's forms report by
 * level): a province's people's committee, its departments and centres, its communes (districts
 * until 30 June 2025); a ministry and its units.
 */
export const AGENCY_TIERS = [
  'PROVINCE',
  'DEPARTMENT',
  'DISTRICT',
  'COMMUNE',
  'MINISTRY',
  'UNIT',
] as const;

export type AgencyTier = (typeof AGENCY_TIERS)[number];

export const TIER_LABELS: Record<AgencyTier, { vi: string; en: string }> = {
  PROVINCE: { vi: 'Cấp tỉnh (UBND tỉnh)', en: 'provincial people’s committee' },
  DEPARTMENT: {
    vi: 'Sở, ban, ngành, trung tâm cấp tỉnh',
    en: 'provincial departments and centres',
  },
  DISTRICT: { vi: 'Cấp huyện (đến 30/6/2025)', en: 'districts (until 30 June 2025)' },
  COMMUNE: { vi: 'Cấp xã', en: 'communes' },
  MINISTRY: { vi: 'Bộ, ngành', en: 'ministry' },
  UNIT: { vi: 'Đơn vị thuộc bộ, ngành', en: 'ministry units' },
};

const COMMUNE = /^(UBND|Ủy ban nhân dân|Uỷ ban nhân dân) (xã|phường|thị trấn|đặc khu)(\s|$)/iu;
const DISTRICT = /^(UBND|Ủy ban nhân dân|Uỷ ban nhân dân) (huyện|quận|thị xã|thành phố)(\s|$)/iu;

/**
 * An agency's tier: the directory's `tier` when given; else a level-1 code is its province (H…) or
 * ministry (G…); below it, a ministry's codes are its units, and a province's are communes or
 * districts when the name says so (UBND xã, phường, thị trấn, đặc khu / huyện, quận, thị xã) and
 * departments otherwise (a city below a province, "UBND thành phố Sầm Sơn", was a district).
 */
export function agencyTier(agency: {
  code: string;
  name: string;
  level: number;
  tier?: AgencyTier | null;
}): AgencyTier {
  if (agency.tier != null) return agency.tier;
  const ministry = /\.?G\d{2}$/.test(agency.code) || /^G\d{2}/.test(agency.code);
  if (agency.level === 1) return ministry ? 'MINISTRY' : 'PROVINCE';
  if (ministry) return 'UNIT';
  if (COMMUNE.test(agency.name)) return 'COMMUNE';
  if (DISTRICT.test(agency.name)) return 'DISTRICT';
  return 'DEPARTMENT';
}

import type { NationalStatusCode } from '../../connectors/model';

/** The ten national statuses (docs/domain.md §3) with the names the API uses and their Vietnamese labels. */
export const NATIONAL_STATUSES = [
  { code: 1, name: 'SUBMITTED', label: 'Mới đăng ký' },
  { code: 2, name: 'RECEIVED', label: 'Được tiếp nhận' },
  { code: 3, name: 'REJECTED', label: 'Không được tiếp nhận' },
  { code: 4, name: 'PROCESSING', label: 'Đang xử lý' },
  { code: 5, name: 'SUPPLEMENT_REQUESTED', label: 'Yêu cầu bổ sung giấy tờ' },
  { code: 6, name: 'PAYMENT_REQUESTED', label: 'Yêu cầu thực hiện nghĩa vụ tài chính' },
  { code: 7, name: 'WITHDRAWN', label: 'Công dân yêu cầu rút hồ sơ' },
  { code: 8, name: 'STOPPED', label: 'Dừng xử lý' },
  { code: 9, name: 'FINISHED', label: 'Đã xử lý xong' },
  { code: 10, name: 'RETURNED', label: 'Đã trả kết quả' },
] as const satisfies ReadonlyArray<{ code: NationalStatusCode; name: string; label: string }>;

export type NationalStatusName = (typeof NATIONAL_STATUSES)[number]['name'];

export function nationalStatus(code: NationalStatusCode) {
  return NATIONAL_STATUSES[code - 1] as (typeof NATIONAL_STATUSES)[number];
}

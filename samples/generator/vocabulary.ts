/**
 * Vietnamese vocabulary for sample dossiers. Procedure codes and fees are illustrative, not the
 * National Database on Administrative Procedures.
 */

export const FAMILY_NAMES = [
  'Nguyễn',
  'Trần',
  'Lê',
  'Phạm',
  'Hoàng',
  'Huỳnh',
  'Phan',
  'Vũ',
  'Võ',
  'Đặng',
  'Bùi',
  'Đỗ',
  'Hồ',
  'Ngô',
  'Dương',
  'Lý',
  'Lương',
  'Trịnh',
];
export const MIDDLE_NAMES = [
  'Văn',
  'Thị',
  'Hữu',
  'Đức',
  'Minh',
  'Thanh',
  'Ngọc',
  'Quang',
  'Thu',
  'Hoài',
  'Xuân',
  'Bảo',
  'Việt',
  'Kim',
];
export const GIVEN_NAMES = [
  'An',
  'Anh',
  'Bình',
  'Cường',
  'Dũng',
  'Giang',
  'Hà',
  'Hải',
  'Hạnh',
  'Hòa',
  'Hoa',
  'Hùng',
  'Hương',
  'Khánh',
  'Lan',
  'Linh',
  'Long',
  'Mai',
  'Nam',
  'Ngọc',
  'Nhung',
  'Phúc',
  'Phương',
  'Quân',
  'Quỳnh',
  'Sơn',
  'Tâm',
  'Thảo',
  'Thắng',
  'Trang',
  'Trung',
  'Tuấn',
  'Yến',
  'Đạt',
];
export const COMPANY_WORDS = [
  'Thành Công',
  'Hưng Thịnh',
  'Phú Quý',
  'Đại Phát',
  'Sông Mã',
  'Hàm Rồng',
  'Biển Sầm Sơn',
  'Lam Sơn',
  'Việt Tiến',
  'An Khang',
];
export const STREETS = [
  'Lê Lợi',
  'Trần Phú',
  'Quang Trung',
  'Bà Triệu',
  'Nguyễn Trãi',
  'Hạc Thành',
  'Lý Thường Kiệt',
  'Phan Chu Trinh',
];
export const OFFICIALS = [
  'Lê Thị Hồng',
  'Nguyễn Đức Thắng',
  'Trần Minh Tuấn',
  'Phạm Thu Hà',
  'Hoàng Văn Long',
  'Đỗ Ngọc Ánh',
];
/** Titles by department, so that a desk clerk is not listed as unit leadership. */
export const TITLES: Readonly<Record<string, readonly string[]>> = {
  'Bộ phận Một cửa': ['Cán bộ một cửa', 'Chuyên viên'],
  'Phòng chuyên môn': ['Chuyên viên', 'Trưởng phòng', 'Phó Trưởng phòng'],
  'Lãnh đạo đơn vị': ['Giám đốc', 'Phó Giám đốc', 'Chủ tịch', 'Phó Chủ tịch'],
};

export interface SampleProcedure {
  code: string;
  name: string;
  fieldCode: string;
  fieldName: string;
  /** Processing time in working days. */
  days: number;
  /** Fee in VND; 0 for none. */
  fee: number;
  feeName: string;
  result: string;
  /** Share of applicants that are enterprises. */
  enterpriseShare: number;
  summary: string;
}

export const PROVINCIAL_PROCEDURES: readonly SampleProcedure[] = [
  {
    code: '1.001612',
    name: 'Đăng ký thành lập hộ kinh doanh',
    fieldCode: 'G05-KD',
    fieldName: 'Thành lập và hoạt động của hộ kinh doanh',
    days: 3,
    fee: 100000,
    feeName: 'Lệ phí đăng ký hộ kinh doanh',
    result: 'Giấy chứng nhận đăng ký hộ kinh doanh',
    enterpriseShare: 0,
    summary: 'Đăng ký thành lập hộ kinh doanh do ông/bà {name} làm chủ',
  },
  {
    code: '1.000894',
    name: 'Đăng ký khai sinh',
    fieldCode: 'G15-HT',
    fieldName: 'Hộ tịch',
    days: 1,
    fee: 0,
    feeName: 'Lệ phí hộ tịch',
    result: 'Giấy khai sinh',
    enterpriseShare: 0,
    summary: 'Đăng ký khai sinh cho con của ông/bà {name}',
  },
  {
    code: '1.000656',
    name: 'Đăng ký kết hôn',
    fieldCode: 'G15-HT',
    fieldName: 'Hộ tịch',
    days: 3,
    fee: 0,
    feeName: 'Lệ phí hộ tịch',
    result: 'Giấy chứng nhận kết hôn',
    enterpriseShare: 0,
    summary: 'Đăng ký kết hôn của {name}',
  },
  {
    code: '2.000815',
    name: 'Chứng thực bản sao từ bản chính giấy tờ, văn bản',
    fieldCode: 'G15-CT',
    fieldName: 'Chứng thực',
    days: 1,
    fee: 2000,
    feeName: 'Phí chứng thực',
    result: 'Bản sao có chứng thực',
    enterpriseShare: 0.1,
    summary: 'Chứng thực bản sao giấy tờ của {name}',
  },
  {
    code: '1.009994',
    name: 'Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ',
    fieldCode: 'G17-XD',
    fieldName: 'Hoạt động xây dựng',
    days: 15,
    fee: 75000,
    feeName: 'Lệ phí cấp giấy phép xây dựng',
    result: 'Giấy phép xây dựng',
    enterpriseShare: 0.05,
    summary: 'Xin cấp phép xây dựng nhà ở tại {address}',
  },
  {
    code: '2.001023',
    name: 'Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam',
    fieldCode: 'G15-LLTP',
    fieldName: 'Lý lịch tư pháp',
    days: 10,
    fee: 200000,
    feeName: 'Phí cung cấp thông tin lý lịch tư pháp',
    result: 'Phiếu lý lịch tư pháp số 1',
    enterpriseShare: 0,
    summary: 'Cấp phiếu lý lịch tư pháp cho {name}',
  },
  {
    code: '1.004227',
    name: 'Đăng ký đất đai, tài sản gắn liền với đất lần đầu',
    fieldCode: 'G14-DD',
    fieldName: 'Đất đai',
    days: 30,
    fee: 100000,
    feeName: 'Lệ phí cấp giấy chứng nhận',
    result: 'Giấy chứng nhận quyền sử dụng đất',
    enterpriseShare: 0.1,
    summary: 'Đăng ký đất đai lần đầu thửa đất tại {address}',
  },
];

export const MINISTRY_PROCEDURES: readonly SampleProcedure[] = [
  {
    code: '1.000459',
    name: 'Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam',
    fieldCode: 'G09-VL',
    fieldName: 'Việc làm',
    days: 5,
    fee: 600000,
    feeName: 'Lệ phí cấp giấy phép lao động',
    result: 'Giấy phép lao động',
    enterpriseShare: 0.9,
    summary: 'Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại {company}',
  },
  {
    code: '1.001865',
    name: 'Cấp giấy phép hoạt động dịch vụ việc làm',
    fieldCode: 'G09-VL',
    fieldName: 'Việc làm',
    days: 7,
    fee: 1500000,
    feeName: 'Lệ phí cấp giấy phép',
    result: 'Giấy phép hoạt động dịch vụ việc làm',
    enterpriseShare: 1,
    summary: 'Cấp giấy phép dịch vụ việc làm cho {company}',
  },
  {
    code: '2.000201',
    name: 'Đăng ký hợp đồng nhận lao động thực tập',
    fieldCode: 'G09-LDNN',
    fieldName: 'Quản lý lao động ngoài nước',
    days: 5,
    fee: 0,
    feeName: 'Phí',
    result: 'Văn bản chấp thuận đăng ký hợp đồng',
    enterpriseShare: 1,
    summary: 'Đăng ký hợp đồng đưa người lao động đi thực tập của {company}',
  },
  {
    code: '1.005388',
    name: 'Phê duyệt điều lệ hội',
    fieldCode: 'G09-TCPCP',
    fieldName: 'Tổ chức phi chính phủ',
    days: 30,
    fee: 0,
    feeName: 'Phí',
    result: 'Quyết định phê duyệt điều lệ hội',
    enterpriseShare: 0.8,
    summary: 'Phê duyệt điều lệ hội do ông/bà {name} đề nghị',
  },
];

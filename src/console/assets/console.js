// The gateway console: plain browser JavaScript served by the gateway itself (no CDN, no build
// step). It talks to /graphql with the API key the user pastes, kept in this tab only.

const TEXT = {
  vi: {
    title: 'Bảng điều khiển cổng kết nối',
    otherLanguage: 'English',
    signOut: 'Đăng xuất',
    signInTitle: 'Đăng nhập bằng khóa truy cập',
    signInHelp:
      'Dán khóa API của đơn vị (vai trò province-it hoặc admin). Khóa chỉ được giữ trong thẻ trình duyệt này.',
    keyLabel: 'Khóa API',
    signIn: 'Đăng nhập',
    connectorsTitle: 'Hệ thống kết nối',
    updatedAt: 'Cập nhật lúc',
    windowNote: 'Số liệu 5 phút gần nhất, tự làm mới mỗi 5 giây.',
    colConnector: 'Kết nối',
    colStatus: 'Tình trạng',
    colCircuit: 'Mạch',
    colCalls: 'Lượt gọi',
    colErrors: 'Tỷ lệ lỗi',
    colCache: 'Trúng bộ đệm',
    colLastError: 'Lỗi gần nhất',
    colChanges: 'Theo dõi thay đổi',
    ways: {
      PUSH: 'hệ thống báo',
      MODIFIED: 'đọc thay đổi từ lần trước',
      LISTING: 'đọc danh sách',
      RECHECK: 'kiểm tra lại',
    },
    notFollowed: 'Không theo dõi',
    polledAt: 'hỏi lúc',
    changesFound: 'thay đổi',
    openDossiers: 'hồ sơ đang mở',
    synced: 'đồng bộ: đã gửi',
    backlog: 'chờ gửi',
    deadLetters: 'không gửi được',
    lag: 'độ trễ p50/p99',
    lookupTitle: 'Tra cứu hồ sơ tại hệ thống',
    lookupHelp:
      'Hỏi thẳng hệ thống (không qua bộ đệm) và xem câu trả lời gốc bên cạnh bản đã chuẩn hóa. Dữ liệu cá nhân được che.',
    codeLabel: 'Mã hồ sơ',
    lookUp: 'Tra cứu',
    rawTitle: 'Câu trả lời gốc của hệ thống',
    normalisedTitle: 'Hồ sơ đã chuẩn hóa',
    status: {
      HEALTHY: 'Ổn định',
      DEGRADED: 'Chập chờn',
      FAILING: 'Đang lỗi',
      IDLE: 'Chưa có lượt gọi',
      OFF: 'Không hoạt động',
      QUARANTINED: 'Bị cách ly',
    },
    circuit: {
      closed: 'đóng',
      open: 'mở (tạm ngừng gọi)',
      'half-open': 'thử lại',
      isolated: 'cô lập',
      off: '—',
    },
    none: 'Không có',
    quarantinedSince: 'Bị cách ly từ',
    notAllowed: 'Khóa này không dùng được bảng điều khiển (cần vai trò province-it hoặc admin).',
    badKey: 'Khóa không hợp lệ, đã bị thu hồi hoặc hết hạn.',
    unreachable: 'Không kết nối được với cổng kết nối.',
    found: 'Tìm thấy tại',
    notFound: 'Không có hồ sơ này tại',
    noAnswer: 'Hệ thống không trả lời.',
    at: 'lúc',
  },
  en: {
    title: 'Gateway console',
    otherLanguage: 'Tiếng Việt',
    signOut: 'Sign out',
    signInTitle: 'Sign in with an API key',
    signInHelp:
      "Paste your unit's API key (role province-it or admin). The key is kept in this browser tab only.",
    keyLabel: 'API key',
    signIn: 'Sign in',
    connectorsTitle: 'Connected systems',
    updatedAt: 'Updated at',
    windowNote: 'Figures over the last 5 minutes, refreshed every 5 seconds.',
    colConnector: 'Connector',
    colStatus: 'Status',
    colCircuit: 'Circuit',
    colCalls: 'Calls',
    colErrors: 'Error rate',
    colCache: 'Cache hits',
    colLastError: 'Last error',
    colChanges: 'Changes followed',
    ways: { PUSH: 'pushed', MODIFIED: 'modified since', LISTING: 'listing', RECHECK: 'recheck' },
    notFollowed: 'Not followed',
    polledAt: 'polled at',
    changesFound: 'changes',
    openDossiers: 'open dossiers',
    synced: 'sync: delivered',
    backlog: 'waiting',
    deadLetters: 'dead letters',
    lag: 'lag p50/p99',
    lookupTitle: 'Look a dossier up at its system',
    lookupHelp:
      'Asks the system directly (not the cache) and shows its raw answer beside the normalised one. Personal data is masked.',
    codeLabel: 'Dossier code',
    lookUp: 'Look up',
    rawTitle: "The system's raw answer",
    normalisedTitle: 'Normalised dossier',
    status: {
      HEALTHY: 'Healthy',
      DEGRADED: 'Degraded',
      FAILING: 'Failing',
      IDLE: 'No calls lately',
      OFF: 'Off',
      QUARANTINED: 'Quarantined',
    },
    circuit: {
      closed: 'closed',
      open: 'open (not calling)',
      'half-open': 'probing',
      isolated: 'isolated',
      off: '—',
    },
    none: 'None',
    quarantinedSince: 'Quarantined since',
    notAllowed: 'This key cannot use the console (it needs the province-it or admin role).',
    badKey: 'The key is not valid, revoked or expired.',
    unreachable: 'The gateway cannot be reached.',
    found: 'Found at',
    notFound: 'No such dossier at',
    noAnswer: 'The system did not answer.',
    at: 'at',
  },
};

const HEALTH_QUERY = `query ConsoleConnectors {
  connectors {
    id name kind origin enabled
    quarantine { reason since }
    health {
      status circuit recentCalls errorRate cacheHitRate latencyP50Ms latencyP99Ms lastCallAt
      lastError { code message at }
    }
    changes {
      ways everySeconds lastPollAt lastPollMs foundByPolls lastPollProblems openDossiers
      sync { backlog delivered deadLetters lastDeliveredAt lagP50Ms lagP99Ms }
    }
  }
}`;

const INSPECT_QUERY = `query ConsoleInspect($code: String!) {
  inspectDossier(code: $code) {
    code connector found normalised
    exchanges { method path status contentType durationMs body }
    error { code message connector }
  }
}`;

const $ = (id) => document.getElementById(id);
let language = sessionStorage.getItem('console.lang') === 'en' ? 'en' : 'vi';
let apiKey = sessionStorage.getItem('console.key');
let timer = null;
let lastConnectors = null;
let lastInspection = null;

const t = () => TEXT[language];

function applyLanguage() {
  document.documentElement.lang = language;
  document.title = t().title;
  for (const element of document.querySelectorAll('[data-i18n]')) {
    const text = t()[element.dataset.i18n];
    if (typeof text === 'string') element.textContent = text;
  }
  if (lastConnectors !== null) renderConnectors(lastConnectors);
  if (lastInspection !== null) renderSummary(lastInspection);
}

function renderSummary(result) {
  $('lookup-summary').hidden = result.connector === null;
  if (result.connector !== null)
    $('lookup-summary').textContent =
      `${result.found ? t().found : t().notFound} ${result.connector}`;
}

async function graphql(query, variables = {}) {
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey ?? '' },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new Error(t().unreachable);
  }
  const body = await response.json().catch(() => ({}));
  const first = body.errors?.[0];
  if (response.status === 401 || first?.extensions?.code === 'UNAUTHENTICATED')
    throw Object.assign(new Error(t().badKey), { signOut: true });
  if (first?.extensions?.code === 'FORBIDDEN' && body.data == null)
    throw Object.assign(new Error(t().notAllowed), { signOut: true });
  if (first !== undefined && body.data == null) throw new Error(first.message);
  return body;
}

function percent(value) {
  return value === null || value === undefined ? '—' : `${Math.round(value * 1000) / 10} %`;
}

function ms(value) {
  return value === null || value === undefined ? '—' : String(value);
}

function time(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return date.toLocaleTimeString(language === 'vi' ? 'vi-VN' : 'en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh',
  });
}

function cell(row, text, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  td.textContent = text;
  row.append(td);
  return td;
}

function renderConnectors(connectors) {
  const body = $('connectors').querySelector('tbody');
  body.replaceChildren();
  for (const connector of connectors) {
    const { health, quarantine } = connector;
    // A quarantined registration is not run until a new version: say so, and why, first.
    const state = quarantine ? 'QUARANTINED' : health.status;
    const row = document.createElement('tr');
    row.dataset.connector = connector.id;
    row.dataset.status = state;
    const name = cell(row, connector.id);
    const small = document.createElement('div');
    small.className = 'connector-name';
    small.textContent = `${connector.name} · ${connector.kind}`;
    name.append(small);
    const status = cell(row, '');
    const badge = document.createElement('span');
    badge.className = `badge ${state}`;
    badge.textContent = t().status[state] ?? state;
    status.append(badge);
    cell(row, t().circuit[health.circuit] ?? health.circuit);
    cell(row, String(health.recentCalls), 'num');
    cell(row, percent(health.errorRate), 'num');
    cell(row, percent(health.cacheHitRate), 'num');
    cell(row, `${ms(health.latencyP50Ms)} / ${ms(health.latencyP99Ms)}`, 'num');
    renderChanges(cell(row, '', 'changes'), connector.changes);
    const error = health.lastError;
    cell(
      row,
      quarantine
        ? `${t().quarantinedSince} ${time(quarantine.since)}: ${quarantine.reason}`
        : error === null
          ? t().none
          : `${error.code} (${t().at} ${time(error.at)}): ${error.message}`,
      'last-error',
    );
    body.append(row);
  }
}

/** How a system's changes are followed, and this replica's last poll of it. */
function renderChanges(td, changes) {
  if (changes.ways.length === 0) {
    td.textContent = t().notFollowed;
    return;
  }
  const parts = [changes.ways.map((way) => t().ways[way] ?? way).join(' · ')];
  if (changes.lastPollAt)
    parts.push(
      `${t().polledAt} ${time(changes.lastPollAt)} (${ms(changes.lastPollMs)} ms), ${changes.foundByPolls} ${t().changesFound}`,
    );
  if (changes.openDossiers !== null && changes.openDossiers > 0)
    parts.push(`${t().openDossiers}: ${changes.openDossiers}`);
  const sync = changes.sync;
  if (sync)
    parts.push(
      `${t().synced} ${sync.delivered}, ${t().backlog} ${sync.backlog}, ${t().deadLetters} ${sync.deadLetters}` +
        (sync.lagP50Ms === null ? '' : `, ${t().lag} ${sync.lagP50Ms} / ${sync.lagP99Ms} ms`),
    );
  td.textContent = parts.join('; ');
  if (changes.lastPollProblems.length > 0 || (sync && sync.deadLetters > 0)) {
    td.classList.add('problem');
    td.title = changes.lastPollProblems.join('\n');
  }
}

async function refresh() {
  try {
    const { data } = await graphql(HEALTH_QUERY);
    lastConnectors = data.connectors;
    renderConnectors(lastConnectors);
    $('updated').textContent = time(new Date().toISOString());
    $('connectors-error').hidden = true;
  } catch (error) {
    if (error.signOut) return signOut(error.message);
    $('connectors-error').textContent = error.message;
    $('connectors-error').hidden = false;
  }
}

async function signIn(key) {
  apiKey = key;
  try {
    const { data } = await graphql(
      'query ConsoleViewer { viewer { name role } connectors { id } }',
    );
    sessionStorage.setItem('console.key', key);
    $('who').textContent = `${data.viewer.name} (${data.viewer.role.toLowerCase()})`;
    $('signin').hidden = true;
    $('signout').hidden = false;
    $('dashboard').hidden = false;
    await refresh();
    clearInterval(timer);
    timer = setInterval(refresh, 5000);
  } catch (error) {
    signOut(error.message);
  }
}

function signOut(message) {
  apiKey = null;
  sessionStorage.removeItem('console.key');
  clearInterval(timer);
  lastConnectors = null;
  lastInspection = null;
  $('who').textContent = '';
  $('dashboard').hidden = true;
  $('signout').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message ?? '';
  $('signin-error').hidden = !message;
}

function pretty(exchange) {
  const body = exchange.body;
  if (/json/i.test(exchange.contentType)) {
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      return body;
    }
  }
  if (/xml/i.test(exchange.contentType)) return body.replace(/></g, '>\n<');
  return body;
}

async function lookUp(code) {
  $('lookup-error').hidden = true;
  $('lookup-result').hidden = true;
  $('lookup-summary').hidden = true;
  try {
    const { data } = await graphql(INSPECT_QUERY, { code });
    const result = data.inspectDossier;
    if (result.error !== null) {
      $('lookup-error').textContent = `${result.error.code}: ${result.error.message}`;
      $('lookup-error').hidden = false;
    }
    lastInspection = result;
    renderSummary(result);
    const exchange = result.exchanges.at(-1);
    $('raw-meta').textContent =
      exchange === undefined
        ? t().noAnswer
        : `${exchange.method} ${exchange.path} → ${exchange.status} · ${exchange.contentType} · ${exchange.durationMs} ms`;
    $('raw').textContent = exchange === undefined ? '' : pretty(exchange);
    $('normalised').textContent = result.normalised ?? '';
    $('lookup-result').hidden = exchange === undefined && result.normalised === null;
  } catch (error) {
    if (error.signOut) return signOut(error.message);
    $('lookup-error').textContent = error.message;
    $('lookup-error').hidden = false;
  }
}

$('lang').addEventListener('click', () => {
  language = language === 'vi' ? 'en' : 'vi';
  sessionStorage.setItem('console.lang', language);
  applyLanguage();
});
$('signout').addEventListener('click', () => signOut());
$('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void signIn($('key').value.trim());
  $('key').value = '';
});
$('lookup-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void lookUp($('code').value.trim());
});

applyLanguage();
if (apiKey) void signIn(apiKey);

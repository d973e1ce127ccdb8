// Calendar days as "YYYY-MM-DD" strings (UTC), the form the API speaks.

const DAY_MS = 86400000;

export function isDay(s) {
  return typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s + 'T00:00:00Z'));
}

export function toDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

export function dayMs(day) {
  return Date.parse(day + 'T00:00:00Z');
}

export function addDays(day, n) {
  return toDay(dayMs(day) + n * DAY_MS);
}

export function addMonths(day, n) {
  const d = new Date(dayMs(day));
  d.setUTCMonth(d.getUTCMonth() + n);
  return toDay(d.getTime());
}

export function daysBetween(a, b) {
  return Math.round((dayMs(b) - dayMs(a)) / DAY_MS);
}

export function today() {
  return toDay(Date.now());
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// fmt renders a day as "6 Dec 2024"; open bounds render as given.
export function fmt(day) {
  if (!isDay(day)) return day ? String(day) : '';
  const [y, m, d] = day.split('-').map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

export function fmtMonth(month) {
  const [y, m] = month.split('-').map(Number);
  return `${MONTHS[m - 1]} ${y}`;
}

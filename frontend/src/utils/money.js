// Money arrives as decimal strings with two places ("1579.00"). We display the
// strings as they are and never do floating-point arithmetic on them. When a
// sum is needed for display (the cart summary) it is done in integer cents.

const MONEY_RE = /^(-)?(\d+)(?:\.(\d{1,2}))?$/

/** True if value looks like a decimal money string/integer ("12", "12.3", "12.30"). */
export function isMoney(value) {
  return value !== null && value !== undefined && MONEY_RE.test(String(value).trim())
}

/** "1579.00" -> 157900 (an integer number of cents). Throws on anything else. */
export function toCents(value) {
  const m = MONEY_RE.exec(String(value ?? '').trim())
  if (!m) throw new TypeError(`not a money amount: ${value}`)
  const [, sign, yuan, frac = ''] = m
  const cents = BigInt(yuan) * 100n + BigInt((frac + '00').slice(0, 2))
  const n = Number(sign ? -cents : cents)
  if (!Number.isSafeInteger(n)) throw new RangeError(`amount too large: ${value}`)
  return n
}

/** 157900 -> "1579.00" */
export function centsToString(cents) {
  if (!Number.isSafeInteger(cents)) throw new TypeError(`not an integer number of cents: ${cents}`)
  const neg = cents < 0
  const abs = String(Math.abs(cents)).padStart(3, '0')
  return `${neg ? '-' : ''}${abs.slice(0, -2)}.${abs.slice(-2)}`
}

/** Sum money strings in integer cents and return a money string. */
export function sumMoney(values) {
  return centsToString(values.reduce((acc, v) => acc + toCents(v), 0))
}

/**
 * Display helper: "1579.00" -> "¥1579.00". The string is shown as the server sent it;
 * an integer-looking value gets its ".00" for consistency. Empty -> "—".
 */
export function formatMoney(value, { symbol = '¥' } = {}) {
  if (value === null || value === undefined || value === '') return '—'
  const s = String(value).trim()
  if (/^-?\d+$/.test(s)) return `${symbol}${s}.00`
  if (/^-?\d+\.\d$/.test(s)) return `${symbol}${s}0`
  return `${symbol}${s}`
}

/** True for "0", "0.00", "0.0" ... (string comparison, no floats). */
export function isZeroMoney(value) {
  return /^-?0+(\.0*)?$/.test(String(value ?? '').trim())
}

/** The price a buyer pays for a course entry right now: the discount price if any, else the price. */
export function effectivePrice(course) {
  const d = course && course.discount
  if (d && d.price !== undefined && d.price !== null && d.price !== '') return String(d.price)
  return String(course.price)
}

/** True when the course has an active discount with a price. */
export function hasDiscount(course) {
  const d = course && course.discount
  return !!(d && d.price !== undefined && d.price !== null && d.price !== '')
}

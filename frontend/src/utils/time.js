const pad = (n) => String(n).padStart(2, '0')

/** 3725 -> "01:02:05", 125 -> "02:05", 90061 -> "1天 01:01:01" */
export function formatDuration(totalSeconds) {
  let s = Math.max(0, Math.floor(totalSeconds || 0))
  const days = Math.floor(s / 86400)
  s -= days * 86400
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  const clock = h > 0 || days > 0 ? `${pad(h)}:${pad(m)}:${pad(sec)}` : `${pad(m)}:${pad(sec)}`
  return days > 0 ? `${days}天 ${clock}` : clock
}

/**
 * When does something end, as epoch milliseconds?
 * `expire` may be remaining seconds (number or digit string, as the luffycity API gives it)
 * or an absolute date-time string. `loadedAt` is when the data was fetched.
 */
export function expiryToEpoch(expire, loadedAt = Date.now()) {
  if (expire === null || expire === undefined || expire === '') return null
  if (typeof expire === 'number' || /^\d+$/.test(String(expire).trim())) {
    return loadedAt + Number(expire) * 1000
  }
  const t = Date.parse(String(expire).replace(' ', 'T'))
  return Number.isNaN(t) ? null : t
}

/**
 * Seconds left before an unpaid order times out, or null if the answer does not say. Every order answer
 * (OrderCreated, Order) has `order_timeout`, "seconds left to pay" as of when it was fetched; an Order also has
 * its absolute `expire_time`.
 * @param {{order_timeout?: number, expire_time?: string} | null | undefined} order
 * @param {number} [now]
 * @param {number} [loadedAt] when the answer was fetched
 */
export function orderRemainingSeconds(order, now = Date.now(), loadedAt = now) {
  if (!order) return null
  if (Number.isInteger(order.order_timeout)) {
    return Math.max(0, Math.round((loadedAt + order.order_timeout * 1000 - now) / 1000))
  }
  if (order.expire_time) {
    const t = expiryToEpoch(order.expire_time, loadedAt)
    if (t !== null) return Math.max(0, Math.round((t - now) / 1000))
  }
  return null
}

/** The shop is in China: every date and time is shown in Beijing time, whatever the browser's own zone. */
export const SHOP_TIME_ZONE = 'Asia/Shanghai'
export const SHOP_TIME_LABEL = '北京时间'

const OFFSET_RE = /(Z|[+-]\d{2}:?\d{2})$/i
let shopParts = null

/** The fields of an instant on Beijing's clock (Intl: the browser's own zone plays no part). */
function partsInShopTime(epochMs) {
  shopParts ||= new Intl.DateTimeFormat('en-GB', {
    timeZone: SHOP_TIME_ZONE,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  })
  const out = {}
  for (const p of shopParts.formatToParts(new Date(epochMs))) out[p.type] = p.value
  return out
}

/**
 * A date-time from the API, shown in Beijing time: "2026-11-25T06:19:53.123+08:00" -> "2026-11-25 06:19:53",
 * "2030-01-31T15:59:59Z" -> "2030-01-31 23:59:59" (the same instant). A value with an offset is converted (the
 * API sends shop time with "+08:00", but a "Z" or any other offset is honoured, never read as local digits); one
 * without an offset is already shop time and keeps its digits. Seconds are shown when the value has them, unless
 * `seconds: false`. `withZone` appends "（北京时间）". Anything else passes through; empty -> "—".
 */
export function formatDateTime(value, { seconds = true, withZone = false } = {}) {
  if (!value) return '—'
  const s = String(value).trim()
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?/.exec(s)
  if (!m) return s
  let date = m[1]
  let clock = m[2]
  let secs = m[3] || ''
  if (OFFSET_RE.test(s)) {
    const t = Date.parse(s.replace(' ', 'T'))
    if (!Number.isNaN(t)) {
      const p = partsInShopTime(t)
      date = `${p.year}-${p.month}-${p.day}`
      clock = `${p.hour}:${p.minute}`
      secs = m[3] ? `:${p.second}` : ''
    }
  }
  const text = `${date} ${clock}${seconds ? secs : ''}`
  return withZone ? `${text}（${SHOP_TIME_LABEL}）` : text
}

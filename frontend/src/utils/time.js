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

const firstOf = (obj, keys) => {
  for (const k of keys) if (obj && obj[k] !== undefined && obj[k] !== null && obj[k] !== '') return obj[k]
  return undefined
}

/**
 * Seconds left before an unpaid order times out, or null if the API did not tell us.
 * Understands an explicit remaining time, an absolute expiry, or created time + order_timeout.
 */
export function orderRemainingSeconds(order, now = Date.now(), loadedAt = now) {
  if (!order) return null
  // order_timeout is "seconds left to pay" as of when the order was fetched (create answer, list, detail).
  const remaining = firstOf(order, ['order_timeout', 'remaining', 'remaining_seconds', 'timeout_remaining'])
  if (remaining !== undefined && /^\d+$/.test(String(remaining))) {
    return Math.max(0, Math.round((loadedAt + Number(remaining) * 1000 - now) / 1000))
  }
  const expiry = firstOf(order, ['expire_time', 'expires_at', 'expire_at', 'timeout_at'])
  if (expiry !== undefined) {
    const t = expiryToEpoch(expiry, loadedAt)
    if (t !== null) return Math.max(0, Math.round((t - now) / 1000))
  }
  const created = firstOf(order, ['created_time', 'created_at', 'create_time', 'created'])
  const timeout = firstOf(order, ['timeout'])
  if (created !== undefined && timeout !== undefined && /^\d+$/.test(String(timeout))) {
    const c = Date.parse(String(created).replace(' ', 'T'))
    if (!Number.isNaN(c)) return Math.max(0, Math.round((c + Number(timeout) * 1000 - now) / 1000))
  }
  return null
}

/** "2026-11-25T06:19:53.123+08:00" -> "2026-11-25 06:19:53"; other strings pass through. */
export function formatDateTime(value) {
  if (!value) return '—'
  const s = String(value)
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)/.exec(s)
  return m ? `${m[1]} ${m[2]}` : s
}

/** A safe in-app path to go back to after login (no open redirects). */
export function safeNext(next, fallback = '/') {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) {
    return fallback
  }
  if (next.startsWith('/login') || next.startsWith('/register')) return fallback
  return next
}

/** Polling delays: start, start*factor, ... capped at max (ms). */
export function createBackoff({ start = 2000, factor = 1.5, max = 10000 } = {}) {
  let next = start
  return {
    next() {
      const d = next
      next = Math.min(max, Math.round(next * factor))
      return d
    },
    reset() {
      next = start
    },
  }
}

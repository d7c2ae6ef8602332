import { afterEach, describe, expect, it, vi } from 'vitest'
import { clearPrefetched, prefetch, takePrefetched } from '@/utils/prefetch'

afterEach(() => {
  clearPrefetched()
  vi.useRealTimers()
})

describe('prefetched first requests', () => {
  it('hands the prefetched answer to the page once, then asks again', async () => {
    const early = vi.fn().mockResolvedValue('early')
    const late = vi.fn().mockResolvedValue('late')
    prefetch('k', early)
    prefetch('k', early) // already on its way
    expect(early).toHaveBeenCalledTimes(1)
    expect(await takePrefetched('k', late)).toBe('early')
    expect(await takePrefetched('k', late)).toBe('late')
    expect(late).toHaveBeenCalledTimes(1)
  })

  it('does not hand over a stale answer, another key, or one from before a new session', async () => {
    vi.useFakeTimers()
    prefetch('k', () => Promise.resolve('old'))
    vi.advanceTimersByTime(11_000)
    expect(await takePrefetched('k', () => Promise.resolve('fresh'))).toBe('fresh')
    prefetch('a', () => Promise.resolve('a'))
    expect(await takePrefetched('b', () => Promise.resolve('b'))).toBe('b')
    prefetch('c', () => Promise.resolve('c'))
    clearPrefetched()
    expect(await takePrefetched('c', () => Promise.resolve('asked again'))).toBe('asked again')
  })

  it('a failed prefetch is not unhandled and reaches the page that takes it', async () => {
    prefetch('k', () => Promise.reject(new Error('offline')))
    await Promise.resolve()
    await expect(takePrefetched('k', () => Promise.resolve('x'))).rejects.toThrow('offline')
  })
})

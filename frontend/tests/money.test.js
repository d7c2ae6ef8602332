import { describe, expect, it } from 'vitest'
import { centsToString, formatMoney, isZeroMoney, sumMoney, toCents, effectivePrice } from '@/utils/money'
import { couponValue, couponCondition, rateLabel } from '@/utils/coupon'
import { formatDuration, expiryToEpoch, orderRemainingSeconds, formatDateTime } from '@/utils/time'
import { maskMobile } from '@/utils/mask'
import { safeNext } from '@/utils/nav'
import { createBackoff } from '@/utils/backoff'

describe('money helpers (integer cents, no floats)', () => {
  it('parses decimal strings to cents exactly', () => {
    expect(toCents('1579.00')).toBe(157900)
    expect(toCents('0.10')).toBe(10)
    expect(toCents('0.1')).toBe(10)
    expect(toCents('12')).toBe(1200)
    expect(toCents('-3.05')).toBe(-305)
  })
  it('rejects non-money', () => {
    expect(() => toCents('1.234')).toThrow()
    expect(() => toCents('abc')).toThrow()
    expect(() => toCents('')).toThrow()
  })
  it('sums without float drift', () => {
    // 0.1 + 0.2 in floats is 0.30000000000000004
    expect(sumMoney(['0.10', '0.20'])).toBe('0.30')
    expect(sumMoney(['1579.00', '899.90', '0.01'])).toBe('2478.91')
    expect(sumMoney([])).toBe('0.00')
    expect(centsToString(5)).toBe('0.05')
    expect(centsToString(-120)).toBe('-1.20')
  })
  it('formats the string as the server sent it', () => {
    expect(formatMoney('1579.00')).toBe('¥1579.00')
    expect(formatMoney('12')).toBe('¥12.00')
    expect(formatMoney(null)).toBe('—')
    expect(isZeroMoney('0.00')).toBe(true)
    expect(isZeroMoney('0.01')).toBe(false)
  })
  it('uses the discount price when there is one', () => {
    expect(effectivePrice({ price: '100.00', discount: {} })).toBe('100.00')
    expect(effectivePrice({ price: '100.00', discount: { price: '80.00' } })).toBe('80.00')
    expect(effectivePrice({ price: '100.00', discount: { price: '0.00' } })).toBe('0.00')
  })
})

describe('coupon labels', () => {
  it('shows amount and rate coupons', () => {
    expect(couponValue({ discount: 1, sale: '-100.00' })).toBe('¥100.00')
    expect(couponValue({ discount: 2, sale: '*0.88' })).toBe('8.8折')
    expect(rateLabel('*0.9')).toBe('9折')
    expect(rateLabel('*0.75')).toBe('7.5折')
    expect(couponCondition({ condition: '0.00' })).toBe('无门槛')
    expect(couponCondition({ condition: '500.00' })).toBe('满500元可用')
  })
})

describe('time helpers', () => {
  it('formats durations', () => {
    expect(formatDuration(125)).toBe('02:05')
    expect(formatDuration(3725)).toBe('01:02:05')
    expect(formatDuration(90061)).toBe('1天 01:01:01')
    expect(formatDuration(-5)).toBe('00:00')
  })
  it('reads discount expiry as seconds left or a date', () => {
    expect(expiryToEpoch(60, 1000)).toBe(61000)
    expect(expiryToEpoch('60', 1000)).toBe(61000)
    expect(expiryToEpoch('2030-01-01T00:00:00Z')).toBe(Date.UTC(2030, 0, 1))
    expect(expiryToEpoch(null)).toBe(null)
  })
  it('knows how long an unpaid order has left', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0)
    expect(orderRemainingSeconds({ order_timeout: 900 }, now, now)).toBe(900)
    expect(orderRemainingSeconds({ order_timeout: 900 }, now + 100000, now)).toBe(800)
    expect(orderRemainingSeconds({ expire_time: '2026-01-01T12:05:00Z' }, now)).toBe(300)
    expect(orderRemainingSeconds({}, now)).toBe(null)
  })
})

describe('misc', () => {
  it('only follows in-app next paths', () => {
    expect(safeNext('/cart')).toBe('/cart')
    expect(safeNext('/order?x=1')).toBe('/order?x=1')
    expect(safeNext('//evil.example')).toBe('/')
    expect(safeNext('https://evil.example')).toBe('/')
    expect(safeNext('/login?next=/x')).toBe('/')
    expect(safeNext(undefined)).toBe('/')
  })
  it('backs off from 2s to 10s', () => {
    const b = createBackoff()
    const seq = Array.from({ length: 7 }, () => b.next())
    expect(seq).toEqual([2000, 3000, 4500, 6750, 10000, 10000, 10000])
    b.reset()
    expect(b.next()).toBe(2000)
  })
})

describe('formatDateTime: Beijing time, whatever the browser\'s zone', () => {
  it('converts an instant with any offset to shop time', () => {
    expect(formatDateTime('2030-01-31T15:59:59Z')).toBe('2030-01-31 23:59:59')
    expect(formatDateTime('2030-01-31T15:59:59.123Z')).toBe('2030-01-31 23:59:59')
    expect(formatDateTime('2030-01-31T10:59:59-05:00')).toBe('2030-01-31 23:59:59')
    expect(formatDateTime('2030-01-31T23:59:59+08:00')).toBe('2030-01-31 23:59:59')
    expect(formatDateTime('2030-12-31T16:30:00Z')).toBe('2031-01-01 00:30:00') // across the year
  })
  it('keeps the digits of a value without offset (already shop time) and passes other text through', () => {
    expect(formatDateTime('2026-11-25 10:00:00')).toBe('2026-11-25 10:00:00')
    expect(formatDateTime('2026-11-25T10:00')).toBe('2026-11-25 10:00')
    expect(formatDateTime('明天')).toBe('明天')
    expect(formatDateTime('')).toBe('—')
    expect(formatDateTime(null)).toBe('—')
  })
  it('can drop the seconds and name the zone', () => {
    expect(formatDateTime('2030-01-31T15:59:59Z', { seconds: false, withZone: true })).toBe('2030-01-31 23:59（北京时间）')
  })
})

describe('maskMobile', () => {
  it('masks a mainland mobile number and leaves other names alone', () => {
    expect(maskMobile('13800000000')).toBe('138****0000')
    expect(maskMobile('学员 15912345678')).toBe('学员 159****5678')
    expect(maskMobile('luffy')).toBe('luffy')
    expect(maskMobile('123456789012')).toBe('123456789012')
    expect(maskMobile(null)).toBe('')
  })
})

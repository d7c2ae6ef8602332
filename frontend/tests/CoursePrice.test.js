import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import CoursePrice from '@/components/CoursePrice.vue'

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(new Date('2026-11-25T10:00:00Z'))
})
afterEach(() => vi.useRealTimers())

const mountPrice = (course) =>
  mount(CoursePrice, { props: { course, loadedAt: Date.now() }, global: { plugins: [ElementPlus] } })

describe('CoursePrice', () => {
  it('shows the discount price, the list price struck through and a live countdown', async () => {
    const w = mountPrice({ id: 1, price: '1579.00', discount: { type: '限时折扣', price: '999.00', expire: 3661 }, credit: 0 })
    expect(w.get('[data-testid=course-discount-price]').text()).toBe('¥999.00')
    expect(w.get('[data-testid=course-price]').text()).toBe('¥1579.00')
    expect(w.get('[data-testid=course-discount-type]').text()).toBe('限时折扣')
    expect(w.get('[data-testid=course-discount-countdown]').text()).toBe('01:01:01')
    await vi.advanceTimersByTimeAsync(2000)
    expect(w.get('[data-testid=course-discount-countdown]').text()).toBe('01:00:59')
    expect(w.find('[data-testid=course-credit-hint]').exists()).toBe(false)
  })

  it('says the activity ended when the countdown runs out', async () => {
    const w = mountPrice({ id: 1, price: '10.00', discount: { type: 'x', price: '5.00', expire: 2 }, credit: 0 })
    await vi.advanceTimersByTimeAsync(3000)
    expect(w.find('[data-testid=course-discount-ended]').exists()).toBe(true)
  })

  it('shows the plain price and the credit hint', () => {
    const w = mountPrice({ id: 2, price: '399.00', discount: {}, credit: 40 })
    expect(w.get('[data-testid=course-price]').text()).toBe('¥399.00')
    expect(w.find('[data-testid=course-discount-price]').exists()).toBe(false)
    expect(w.get('[data-testid=course-credit-hint]').text()).toBe('可用40积分抵扣')
  })

  it('accepts an absolute expiry date too', () => {
    const w = mountPrice({ id: 3, price: '10.00', discount: { type: 'x', price: '8.00', expire: '2026-11-25T10:10:00Z' } })
    expect(w.get('[data-testid=course-discount-countdown]').text()).toBe('10:00')
  })
})

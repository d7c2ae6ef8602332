import { beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ElementPlus from 'element-plus'

vi.mock('@/api/users', () => ({ fetchMyCredits: vi.fn(), fetchMe: vi.fn() }))
import * as usersApi from '@/api/users'
import UserCredits from '@/views/user/UserCredits.vue'

beforeEach(() => {
  vi.resetAllMocks()
  setActivePinia(createPinia())
  usersApi.fetchMe.mockResolvedValue({ id: 1, mobile: '15500000000', credit: 300 })
  usersApi.fetchMyCredits.mockResolvedValue({
    count: 3,
    results: [
      { id: 3, operation: 1, operation_display: '购物消费', number: -200, remark: '订单 N9 抵扣', order_number: 'N9', created_time: '2026-12-02T14:36:24+08:00' },
      { id: 2, operation: 3, operation_display: '订单退还', number: 50, remark: '', order_number: 'N8', created_time: '2026-12-02T14:30:00+08:00' },
      { id: 1, operation: 2, operation_display: '系统赠送', number: 500, remark: 'e2e 赠送积分', order_number: '', created_time: '2026-12-02T14:36:21+08:00' },
    ],
  })
})

describe('my credits', () => {
  it('lists the ledger with signed numbers, naming each order once', async () => {
    const w = mount(UserCredits, { global: { plugins: [ElementPlus] } })
    await flushPromises()
    const rows = w.findAll('[data-testid=credit-row]')
    expect(rows.map((r) => r.get('[data-testid=credit-row-number]').text())).toEqual(['-200', '+50', '+500'])
    expect(rows[0].text().match(/N9/g)).toHaveLength(1) // the remark names it; not repeated
    expect(rows[1].text()).toContain('订单 N8') // no remark: the order number is shown
    expect(rows[2].text()).toContain('e2e 赠送积分')
  })
})

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'

vi.mock('@/api/orders', () => ({ fetchCheckout: vi.fn(), quoteOrder: vi.fn(), createOrder: vi.fn() }))
vi.mock('@/api/payments', () => ({ fetchAlipayLink: vi.fn() }))
import * as ordersApi from '@/api/orders'
import { useCheckoutStore, DISCOUNT_COUPON, DISCOUNT_CREDIT, UnpaidOrderExistsError } from '@/stores/checkout'

const ALIPAY = { pay_type: 0, name: '支付宝', balance: null, available: true }
const quote = (real, max = 300) => ({
  total_price: '300.00', discount_price: '0.00', real_price: real, max_use_credit: max, credit: 0, pay_type: 0, pay_types: [ALIPAY],
})

beforeEach(() => {
  setActivePinia(createPinia())
  vi.resetAllMocks()
  vi.useFakeTimers()
  ordersApi.fetchCheckout.mockResolvedValue({
    cart: [
      { id: 1, name: 'A', price: '100.00', discount: {}, credit: 100 },
      { id: 2, name: 'B', price: '200.00', discount: {}, credit: 200 },
    ],
    coupon_list: [
      { user_coupon_id: 7, name: '满100减50', discount: 1, sale: '-50.00', condition: '100.00' },
      { user_coupon_id: 8, name: '八折', discount: 2, sale: '*0.80', condition: '0.00' },
    ],
    unusable: [],
    user_coupon_id: 7,
    credit_to_money: 10,
    has_credit: 250,
    quote: quote('300.00'),
    quote_error: null,
  })
  ordersApi.quoteOrder.mockResolvedValue(quote('300.00'))
})
afterEach(() => vi.useRealTimers())

describe('checkout store', () => {
  it('loads courses, coupons, credits and the first quote in one request', async () => {
    const s = useCheckoutStore()
    await s.load()
    expect(ordersApi.fetchCheckout).toHaveBeenCalledTimes(1)
    expect(s.courses).toHaveLength(2)
    expect(s.coupons).toHaveLength(2)
    expect(s.hasCredit).toBe(250)
    expect(s.creditToMoney).toBe(10)
    // The server's best coupon (user_coupon_id) is preselected, and the summary's quote is for it: no second request.
    expect(s.userCouponId).toBe(7)
    expect(ordersApi.quoteOrder).not.toHaveBeenCalled()
    expect(s.quote.real_price).toBe('300.00')
    expect(s.canPay).toBe(true)
  })

  it('shows the refusal the checkout answer carries instead of a quote', async () => {
    ordersApi.fetchCheckout.mockResolvedValueOnce({
      ...(await ordersApi.fetchCheckout()),
      quote: null,
      quote_error: { errmsg: '所选课程已在未支付的订单中', code: 'order_unpaid_exists', order_number: 'LY1' },
    })
    const s = useCheckoutStore()
    await s.load()
    expect(s.quote).toBe(null)
    expect(s.quoteError).toBe('所选课程已在未支付的订单中')
    expect(s.unpaidOrderNumber).toBe('LY1')
    expect(s.canPay).toBe(false)
    expect(ordersApi.quoteOrder).not.toHaveBeenCalled()
  })

  it('asks the quote again on reload when the choice is not the one the summary quoted', async () => {
    const s = useCheckoutStore()
    await s.load()
    s.chooseCoupon(-1)
    ordersApi.quoteOrder.mockResolvedValue(quote('250.00'))
    await s.load()
    expect(ordersApi.quoteOrder).toHaveBeenLastCalledWith({ pay_type: 0, user_coupon_id: -1, credit: 0 })
    expect(s.quote.real_price).toBe('250.00')
  })

  it("preselects the server's best coupon, keeps the unusable ones apart, and not after the student chose", async () => {
    ordersApi.fetchCheckout.mockResolvedValue({
      ...(await ordersApi.fetchCheckout()),
      coupon_list: [
        { user_coupon_id: 8, name: '八折', discount: 2, sale: '*0.80', condition: '0.00' },
        { user_coupon_id: 7, name: '满100减50', discount: 1, sale: '-50.00', condition: '100.00' },
      ],
      unusable: [{ user_coupon_id: 9, name: '满1000减300', discount: 1, sale: '-300.00', usable: false, reason: '未满足优惠券使用条件', reason_code: 'coupon_condition_unmet' }],
      user_coupon_id: 7,
    })
    const s = useCheckoutStore()
    await s.load()
    expect(s.userCouponId).toBe(7)
    expect(s.unusableCoupons.map((c) => [c.user_coupon_id, c.usable, c.reason])).toEqual([[9, false, '未满足优惠券使用条件']])
    s.chooseCoupon(-1) // the student wants none
    await s.load() // e.g. "重新加载"
    expect(s.userCouponId).toBe(-1)
  })

  it('preselects nothing without a usable coupon; isFree follows the quote', async () => {
    ordersApi.fetchCheckout.mockResolvedValue({
      ...(await ordersApi.fetchCheckout()), coupon_list: [], unusable: [], user_coupon_id: -1, quote: quote('0.00'),
    })
    const s = useCheckoutStore()
    await s.load()
    expect(s.userCouponId).toBe(-1)
    expect(s.isFree).toBe(true)
    ordersApi.quoteOrder.mockResolvedValue(quote('0.01'))
    await s.requestQuote()
    expect(s.isFree).toBe(false)
  })

  it('re-asks the quote, debounced, after every change', async () => {
    const s = useCheckoutStore()
    await s.load()
    ordersApi.quoteOrder.mockClear()
    ordersApi.quoteOrder.mockResolvedValue(quote('250.00'))
    s.chooseCoupon(7)
    s.chooseCoupon(-1)
    s.chooseCoupon(7)
    expect(s.quoting).toBe(true)
    expect(ordersApi.quoteOrder).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(400)
    expect(ordersApi.quoteOrder).toHaveBeenCalledTimes(1)
    expect(ordersApi.quoteOrder).toHaveBeenCalledWith({ pay_type: 0, user_coupon_id: 7, credit: 0 })
    expect(s.quote.real_price).toBe('250.00')
    expect(s.quoting).toBe(false)
  })

  it('shows only the newest answer when answers arrive out of order', async () => {
    const s = useCheckoutStore()
    await s.load()
    let resolveSlow
    ordersApi.quoteOrder
      .mockImplementationOnce(() => new Promise((r) => (resolveSlow = r)))
      .mockResolvedValueOnce(quote('200.00'))
    s.setCredit(50)
    await vi.advanceTimersByTimeAsync(350) // slow request in flight
    s.setCredit(100)
    await vi.advanceTimersByTimeAsync(350) // fast request answers
    resolveSlow(quote('295.00'))
    await vi.runAllTimersAsync()
    expect(s.quote.real_price).toBe('200.00')
  })

  it('keeps coupon and credits mutually exclusive', async () => {
    const s = useCheckoutStore()
    await s.load()
    s.chooseCoupon(7)
    expect(s.body).toEqual({ pay_type: 0, user_coupon_id: 7, credit: 0 })
    s.setCredit(120)
    expect(s.discountType).toBe(DISCOUNT_CREDIT)
    expect(s.body).toEqual({ pay_type: 0, user_coupon_id: -1, credit: 120 })
    s.setDiscountType(DISCOUNT_COUPON)
    expect(s.body).toEqual({ pay_type: 0, user_coupon_id: -1, credit: 0 })
  })

  it('refuses a coupon the server did not list as usable', async () => {
    const s = useCheckoutStore()
    await s.load()
    expect(s.chooseCoupon(9)).toBe(false)
    expect(s.userCouponId).toBe(7) // the preselected one stays
  })

  it('"use most credits" takes max_use_credit from the quote, capped by the balance', async () => {
    const s = useCheckoutStore()
    await s.load()
    expect(s.maxCredit).toBe(250) // quote says 300, the user has 250
    s.useMaxCredit()
    expect(s.credit).toBe(250)
    ordersApi.quoteOrder.mockResolvedValue(quote('280.00', 200))
    await s.requestQuote()
    expect(s.maxCredit).toBe(200)
  })

  it('records the server errmsg when a quote is refused and blocks paying', async () => {
    const s = useCheckoutStore()
    await s.load()
    ordersApi.quoteOrder.mockRejectedValueOnce({ response: { status: 400, data: { errmsg: '积分不足', code: 'credit_exceeded' } } })
    s.setCredit(9999)
    await vi.advanceTimersByTimeAsync(400)
    expect(s.quoteError).toBe('积分不足')
    expect(s.quote).toBe(null)
    expect(s.canPay).toBe(false)
  })

  it('creates the order with the chosen discount', async () => {
    const s = useCheckoutStore()
    await s.load()
    s.chooseCoupon(7)
    ordersApi.createOrder.mockResolvedValueOnce({ order_number: '2026112500000001', order_timeout: 900, real_price: '250.00' })
    const order = await s.createOrder()
    expect(ordersApi.createOrder).toHaveBeenCalledWith({ pay_type: 0, user_coupon_id: 7, credit: 0 })
    expect(order.order_number).toBe('2026112500000001')
  })

  it('turns order_unpaid_exists into UnpaidOrderExistsError with the order number', async () => {
    const s = useCheckoutStore()
    await s.load()
    ordersApi.createOrder.mockRejectedValueOnce({
      response: { status: 400, data: { errmsg: '请继续支付该订单', code: 'order_unpaid_exists', order_number: 'N1' } },
    })
    const err = await s.createOrder().catch((e) => e)
    expect(err).toBeInstanceOf(UnpaidOrderExistsError)
    expect(err.orderNumber).toBe('N1')
    expect(err.message).toBe('请继续支付该订单')
    expect(s.submitting).toBe(false)
  })
})

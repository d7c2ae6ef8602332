import { defineStore } from 'pinia'
import { ordersApi, paymentsApi, errorBody, errorCode } from '@/api'
import { CHECKOUT_KEY, takePrefetched } from '@/utils/prefetch'

/** @typedef {import('@/api/types').Schemas} S */
/** @typedef {import('@/api/types').ErrorCode} ErrorCode */

export const DISCOUNT_COUPON = 0
export const DISCOUNT_CREDIT = 1
export const QUOTE_DEBOUNCE_MS = 300

/** Thrown by createOrder when the server says an unpaid order already exists. */
export class UnpaidOrderExistsError extends Error {
  /** @param {string} orderNumber @param {string} message @param {unknown} cause */
  constructor(orderNumber, message, cause) {
    super(message || '您有一个未支付的订单')
    this.name = 'UnpaidOrderExistsError'
    this.orderNumber = orderNumber
    this.cause = cause
  }
}

let quoteTimer = null
let quoteSeq = 0

export const useCheckoutStore = defineStore('checkout', {
  state: () => ({
    /** @type {S['CartLine'][]} the selected courses (GET /api/orders/checkout/'s cart) */
    courses: [],
    /** @type {S['UsableCoupon'][]} usable coupons (its coupon_list), the best first */
    coupons: [],
    /** @type {S['UnusableCoupon'][]} the student's other coupons, each with the server's reason (shown greyed) */
    unusableCoupons: [],
    couponChosen: false, // the student picked a coupon (or none) themselves: no preselection after that
    /** @type {number | null} credits per yuan */
    creditToMoney: null,
    hasCredit: 0, // the user's credit balance
    discountType: DISCOUNT_COUPON, // coupon OR credits, like the seed
    userCouponId: -1, // -1 = no coupon
    credit: 0,
    payType: 0, // 0 = Alipay; the choices are the quote's pay_types (only what the server offers)
    /** @type {S['Quote'] | null} */
    quote: null,
    quoteError: '',
    /** @type {ErrorCode | ''} */
    quoteErrorCode: '',
    unpaidOrderNumber: '', // set when the server says these courses already wait in an unpaid order
    quoting: false,
    loading: false,
    submitting: false,
  }),
  getters: {
    /** @returns {S['CheckoutChoiceRequest']} */
    body: (s) => ({
      pay_type: s.payType,
      user_coupon_id: s.discountType === DISCOUNT_COUPON ? s.userCouponId : -1,
      credit: s.discountType === DISCOUNT_CREDIT ? s.credit : 0,
    }),
    selectedCoupon: (s) => s.coupons.find((c) => c.user_coupon_id === s.userCouponId) || null,
    /** Nothing to pay: the order is taken free (免费领取), not paid through a provider. */
    isFree: (s) => !!s.quote && /^0+(\.0+)?$/.test(s.quote.real_price.trim()),
    /** The most credits this order may use: the quote's max, capped by the balance. */
    /** @returns {number} */
    maxCredit: (s) => {
      if (!s.quote) return s.hasCredit || 0
      const max = s.quote.max_use_credit
      return Math.max(0, Math.min(max, s.hasCredit || max))
    },
    /** The ways to pay the server offers for this quote: [{pay_type, name, balance, available}]. */
    /** @returns {S['PayMethod'][]} */
    payMethods: (s) => (s.quote ? s.quote.pay_types : []),
    /** @returns {boolean} */
    payMethodOk: (s) => {
      if (!s.quote) return true // no quote yet: canPay waits for one anyway
      const m = s.quote.pay_types.find((x) => x.pay_type === s.payType)
      return !!m && m.available
    },
    /** @returns {boolean} */
    canPay(s) {
      return s.courses.length > 0 && !!s.quote && !s.quoting && !s.quoteError && !s.submitting && this.payMethodOk
    },
  },
  actions: {
    /** GET /api/orders/checkout/: lines, coupons, credits and the quote for the default choice, in one request. */
    async load() {
      this.loading = true
      let summary
      try {
        summary = await takePrefetched(CHECKOUT_KEY, () => ordersApi.fetchCheckout())
        this.courses = summary.cart
        this.coupons = summary.coupon_list
        this.unusableCoupons = summary.unusable
        this.creditToMoney = summary.credit_to_money
        this.hasCredit = summary.has_credit
        // A coupon picked earlier that is gone (used, expired) is dropped.
        if (this.userCouponId !== -1 && !this.coupons.some((c) => c.user_coupon_id === this.userCouponId)) {
          this.userCouponId = -1
        }
        this.preselectBestCoupon(summary.user_coupon_id)
      } finally {
        this.loading = false
      }
      if (!this.courses.length) return this.courses
      const { pay_type: payType, user_coupon_id: couponId, credit } = this.body
      if (payType === 0 && couponId === summary.user_coupon_id && credit === 0) {
        // The summary's quote is this choice's (the best coupon, no credits): no second request.
        this.cancelPendingQuote()
        if (summary.quote) this.applyQuote(summary.quote)
        else this.applyQuoteError(summary.quote_error || {})
      } else {
        await this.requestQuote()
      }
      return this.courses
    },
    /** The server quotes its best coupon (`user_coupon_id`, -1 when none applies): start with it, until the
     * student chooses. */
    preselectBestCoupon(bestId) {
      if (this.couponChosen || this.discountType !== DISCOUNT_COUPON || this.userCouponId !== -1) return
      const best = this.coupons.find((c) => c.user_coupon_id === bestId)
      if (best) this.userCouponId = best.user_coupon_id
    },
    /** @param {S['Quote']} quote */
    applyQuote(quote) {
      this.quote = quote
      this.quoteError = ''
      this.quoteErrorCode = ''
      this.unpaidOrderNumber = ''
    },
    /** @param {Partial<S['Error']>} body */
    applyQuoteError(body) {
      this.quote = null
      this.quoteError = body.errmsg || '无法计算订单金额'
      this.quoteErrorCode = body.code || ''
      this.unpaidOrderNumber = body.code === 'order_unpaid_exists' ? body.order_number || '' : ''
    },
    setDiscountType(type) {
      if (type === this.discountType) return
      this.couponChosen = true
      this.discountType = type
      this.userCouponId = -1
      this.credit = 0
      this.scheduleQuote()
    },
    chooseCoupon(userCouponId) {
      const id = userCouponId === null || userCouponId === undefined ? -1 : userCouponId
      if (id !== -1) {
        const c = this.coupons.find((x) => x.user_coupon_id === id)
        if (!c) return false
      }
      this.discountType = DISCOUNT_COUPON
      this.couponChosen = true
      this.credit = 0
      this.userCouponId = id
      this.scheduleQuote()
      return true
    },
    setCredit(value) {
      const n = Number.isInteger(value) ? value : Math.floor(Number(value) || 0)
      this.couponChosen = true
      this.discountType = DISCOUNT_CREDIT
      this.userCouponId = -1
      this.credit = Math.max(0, n)
      this.scheduleQuote()
    },
    setPayType(payType) {
      const m = this.payMethods.find((x) => x.pay_type === payType)
      if (!m || !m.available || payType === this.payType) return false
      this.payType = payType
      this.scheduleQuote()
      return true
    },
    useMaxCredit() {
      this.setCredit(this.maxCredit)
    },
    /** Debounced: every change asks the server again; only the newest answer is shown. */
    scheduleQuote(delay = QUOTE_DEBOUNCE_MS) {
      this.quoting = true
      clearTimeout(quoteTimer)
      quoteTimer = setTimeout(() => {
        this.requestQuote().catch(() => {})
      }, delay)
    },
    async requestQuote() {
      clearTimeout(quoteTimer)
      const seq = ++quoteSeq
      this.quoting = true
      try {
        const quote = await ordersApi.quoteOrder(this.body)
        if (seq !== quoteSeq) return null // a newer question is on its way
        this.applyQuote(quote)
        return quote
      } catch (e) {
        if (seq !== quoteSeq) return null
        this.applyQuoteError(errorBody(e))
        throw e
      } finally {
        if (seq === quoteSeq) this.quoting = false
      }
    },
    cancelPendingQuote() {
      clearTimeout(quoteTimer)
      quoteSeq++
      this.quoting = false
    },
    /**
     * POST /api/orders/. Resolves {id, order_number, order_timeout, total_price, real_price}.
     * Rejects with UnpaidOrderExistsError when the server says code order_unpaid_exists.
     */
    async createOrder() {
      this.submitting = true
      try {
        return await ordersApi.createOrder(this.body)
      } catch (e) {
        if (errorCode(e) === 'order_unpaid_exists') {
          const body = errorBody(e)
          throw new UnpaidOrderExistsError(body.order_number, body.errmsg, e)
        }
        throw e
      } finally {
        this.submitting = false
      }
    },
    /** The gateway link; {link: null, order_status: 1} when nothing is left to pay. */
    async payLink(orderNumber, device) {
      return paymentsApi.fetchAlipayLink(orderNumber, device)
    },
    reset() {
      this.cancelPendingQuote()
      this.$reset()
    },
  },
})

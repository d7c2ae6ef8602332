import * as api from './client'

/**
 * The checkout page in one request: {cart, coupon_list, credit_to_money, has_credit, quote, quote_error}; `quote`
 * is for no coupon and no credits (null with `quote_error` {errmsg, code, ...} when the server refuses the checkout).
 * @param {{early?: import('./types').EarlyRequest | null}} [opts] `early`: the same GET, already sent by index.html
 *   (utils/early.js)
 */
export const fetchCheckout = (opts = {}) => api.get('/api/orders/checkout/', opts)

/** @param {import('./types').Schemas['CheckoutChoiceRequest']} body {pay_type, user_coupon_id (-1 = none), credit} */
export const quoteOrder = (body) => api.post('/api/orders/quote/', { body })

/** @param {import('./types').Schemas['CheckoutChoiceRequest']} body */
export const createOrder = (body) => api.post('/api/orders/', { body })

/** @param {import('./types').Query<import('./types').Op<'/api/orders/', 'get'>>} [query] */
export const fetchOrders = (query = {}) => api.get('/api/orders/', { query })

/** @param {string} orderNumber */
export const fetchOrder = (orderNumber) => api.get('/api/orders/{order_number}/', { path: { order_number: orderNumber } })

/** @param {string} orderNumber */
export const cancelOrder = (orderNumber) =>
  api.post('/api/orders/{order_number}/cancel/', { path: { order_number: orderNumber } })

/**
 * The order's payment timeline: {order_number, order_status, get_order_status_display, events: [...]}, oldest first.
 * @param {string} orderNumber
 */
export const fetchOrderTimeline = (orderNumber) =>
  api.get('/api/orders/{order_number}/timeline/', { path: { order_number: orderNumber } })

/**
 * A wallet top-up order {order_number, real_price, order_timeout, ...}, paid through `pay_type`'s cashier.
 * @param {string} amount
 * @param {number} [payType]
 */
export const createTopup = (amount, payType = 0) => api.post('/api/orders/topup/', { body: { amount, pay_type: payType } })

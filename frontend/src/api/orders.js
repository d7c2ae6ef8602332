import http from './http'

/** body: {pay_type, user_coupon_id (-1 = none), credit} */
export const quoteOrder = (body) => http.post('/orders/quote/', body).then((r) => r.data)

export const createOrder = (body) => http.post('/orders/', body).then((r) => r.data)

export const fetchOrders = (params = {}) => http.get('/orders/', { params }).then((r) => r.data)

export const fetchOrder = (orderNumber) =>
  http.get(`/orders/${encodeURIComponent(orderNumber)}/`).then((r) => r.data)

export const cancelOrder = (orderNumber) =>
  http.post(`/orders/${encodeURIComponent(orderNumber)}/cancel/`).then((r) => r.data)

/** The order's payment timeline: {order_number, order_status, get_order_status_display, events: [...]}, oldest first. */
export const fetchOrderTimeline = (orderNumber) =>
  http.get(`/orders/${encodeURIComponent(orderNumber)}/timeline/`).then((r) => r.data)

/** A wallet top-up order {order_number, real_price, order_timeout, ...}, paid through `pay_type`'s cashier. */
export const createTopup = (amount, payType = 0) =>
  http.post('/orders/topup/', { amount, pay_type: payType }).then((r) => r.data)

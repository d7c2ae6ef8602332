import http from './http'

export const fetchCart = () => http.get('/cart/').then((r) => r.data)

export const addToCart = (courseId) => http.post('/cart/', { course_id: courseId }).then((r) => r.data)

export const selectCourse = (courseId, selected) =>
  http.patch('/cart/', { course_id: courseId, selected }).then((r) => r.data)

export const selectAll = (selected) => http.put('/cart/', { selected }).then((r) => r.data)

export const removeFromCart = (courseId) =>
  http.delete('/cart/', { params: { course_id: courseId } }).then((r) => r.data)

/** The selected courses with their prices, for checkout. */
export const fetchCartOrder = () => http.get('/cart/order/').then((r) => r.data)

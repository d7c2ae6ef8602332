import * as api from './client'

/** @param {{early?: import('./types').EarlyRequest | null}} [opts] `early`: the same GET, already sent by index.html */
export const fetchCart = (opts = {}) => api.get('/api/cart/', opts)

/** @param {number} courseId */
export const addToCart = (courseId) => api.post('/api/cart/', { body: { course_id: courseId } })

/** @param {number} courseId @param {boolean} selected */
export const selectCourse = (courseId, selected) => api.patch('/api/cart/', { body: { course_id: courseId, selected } })

/** @param {boolean} selected */
export const selectAll = (selected) => api.put('/api/cart/', { body: { selected } })

/** @param {number} courseId */
export const removeFromCart = (courseId) => api.del('/api/cart/', { query: { course_id: courseId } })

/** The selected courses with their prices, for checkout. */
export const fetchCartOrder = () => api.get('/api/cart/order/')

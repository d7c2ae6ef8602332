import * as api from './client'

/**
 * Every lesson of a course with play_url (signed for the caller, null where they may not play it).
 * @param {number | string} courseId
 */
export const fetchLessons = (courseId) =>
  api.get('/api/courses/{course_id}/lessons/', { path: { course_id: Number(courseId) } })

/**
 * The player's report: the student reached `position` seconds of the lesson (idempotent on the server).
 * @param {number} lessonId @param {number} position @param {boolean} [ended]
 */
export const postProgress = (lessonId, position, ended = false) =>
  api.post('/api/learn/progress/', { body: { lesson_id: lessonId, position, ended } })

/** Owned courses with percent complete, the lesson to continue from and the refund policy per course. */
export const fetchMyStudy = () => api.get('/api/learn/courses/')

export const fetchRefundRequests = () => api.get('/api/refund-requests/')

/** @param {string} orderNumber @param {number} courseId @param {string} reason */
export const createRefundRequest = (orderNumber, courseId, reason) =>
  api.post('/api/refund-requests/', { body: { order_number: orderNumber, course_id: courseId, reason } })

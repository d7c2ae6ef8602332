import http from './http'

/** Every lesson of a course with play_url (signed for the caller, null where they may not play it). */
export const fetchLessons = (courseId) =>
  http.get(`/courses/${encodeURIComponent(courseId)}/lessons/`).then((r) => r.data)

/** The player's report: the student reached `position` seconds of the lesson (idempotent on the server). */
export const postProgress = (lessonId, position, ended = false) =>
  http.post('/learn/progress/', { lesson_id: lessonId, position, ...(ended ? { ended: true } : {}) }).then((r) => r.data)

/** Owned courses with percent complete, the lesson to continue from and the refund policy per course. */
export const fetchMyStudy = () => http.get('/learn/courses/').then((r) => r.data)

export const fetchRefundRequests = () => http.get('/refund-requests/').then((r) => r.data)

export const createRefundRequest = (orderNumber, courseId, reason) =>
  http.post('/refund-requests/', { order_number: orderNumber, course_id: courseId, reason }).then((r) => r.data)

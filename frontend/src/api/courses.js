import http from './http'

export const fetchCourses = (page = 1) =>
  http.get('/courses/', { params: { page } }).then((r) => r.data)

export const fetchCourse = (id) => http.get(`/courses/${encodeURIComponent(id)}/`).then((r) => r.data)

import http from './http'

/** One page of the course list; `params` is a page number or {page, category, ordering, search}. */
export const fetchCourses = (params = 1) =>
  http.get('/courses/', { params: typeof params === 'object' ? params : { page: params } }).then((r) => r.data)

export const fetchCourse = (id) => http.get(`/courses/${encodeURIComponent(id)}/`).then((r) => r.data)

/** The categories with courses on sale: [{id, name}]. */
export const fetchCategories = () => http.get('/courses/categories/').then((r) => r.data)

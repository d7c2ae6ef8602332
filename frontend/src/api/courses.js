import * as api from './client'

/** @typedef {import('./types').Query<import('./types').Op<'/api/courses/', 'get'>>} CourseListQuery */

/**
 * One page of the course list; `params` is a page number or {page, category, ordering, search}.
 * @param {number | CourseListQuery} [params]
 */
export const fetchCourses = (params = 1) =>
  api.get('/api/courses/', { query: typeof params === 'object' ? params : { page: params } })

/** @param {number | string} id */
export const fetchCourse = (id) => api.get('/api/courses/{id}/', { path: { id: Number(id) } })

/** The categories with courses on sale: [{id, name}]. */
export const fetchCategories = () => api.get('/api/courses/categories/')

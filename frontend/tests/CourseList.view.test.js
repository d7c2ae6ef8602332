import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import ElementPlus from 'element-plus'

vi.mock('@/api/courses', () => ({ fetchCourses: vi.fn(), fetchCourse: vi.fn(), fetchCategories: vi.fn() }))
import * as coursesApi from '@/api/courses'
import { createAppRouter } from '@/router'
import CourseList from '@/views/CourseList.vue'

const course = (id, name) => ({ id, name, price: '99.00', discount: {}, credit: 0, cover: '', brief: '', students: 1, teacher: { name: '李晓峰' } })

let pinia, router
async function mountAt(path) {
  router = createAppRouter({ isLoggedIn: () => false, history: createMemoryHistory() })
  router.push(path)
  await router.isReady()
  const w = mount(CourseList, { global: { plugins: [pinia, router, ElementPlus] }, attachTo: document.body })
  await flushPromises()
  return w
}
const lastCall = () => coursesApi.fetchCourses.mock.calls.at(-1)[0]

beforeEach(() => {
  vi.resetAllMocks()
  pinia = createPinia()
  setActivePinia(pinia)
  coursesApi.fetchCourses.mockResolvedValue({ count: 2, next: null, results: [course(1, 'Django 实战'), course(2, 'Vue 3')] })
  coursesApi.fetchCategories.mockResolvedValue([
    { id: 1, name: 'Python' },
    { id: 2, name: '前端' },
  ])
})
afterEach(() => {
  document.body.innerHTML = ''
})

describe('course list filters', () => {
  it('asks the server for the query in the URL and marks it', async () => {
    const w = await mountAt('/courses?category=2&ordering=popular&search=vue&page=2')
    expect(lastCall()).toEqual({ page: 2, category: 2, ordering: 'popular', search: 'vue' })
    expect(w.get('[data-category-id="2"]').classes()).toContain('active')
    expect(w.get('[data-sort="popular"]').classes()).toContain('active')
    expect(w.get('input[data-testid=course-search]').element.value).toBe('vue')
    expect(w.get('[data-testid=course-teacher]').text()).toContain('李晓峰')
    w.unmount()
  })

  it('a category, a sort or a search goes into the URL and starts again at page 1', async () => {
    const w = await mountAt('/courses?page=3&ordering=price')
    await w.get('[data-category-id="1"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ category: '1', ordering: 'price' })
    expect(lastCall()).toEqual({ page: 1, category: 1, ordering: 'price' })

    await w.get('[data-sort="-price"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ category: '1', ordering: '-price' })

    await w.get('input[data-testid=course-search]').setValue('  django ')
    await w.get('form[role=search]').trigger('submit')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ category: '1', ordering: '-price', search: 'django' })
    expect(lastCall()).toEqual({ page: 1, category: 1, ordering: '-price', search: 'django' })

    await w.get('[data-testid=category-all]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ ordering: '-price', search: 'django' })
    w.unmount()
  })

  it('says nothing matched and clears the filters', async () => {
    coursesApi.fetchCourses.mockResolvedValue({ count: 0, next: null, results: [] })
    const w = await mountAt('/courses?search=nothing&ordering=newest')
    expect(w.get('[data-testid=course-list-empty]').text()).toContain('没有找到符合条件的课程')
    await w.get('[data-testid=clear-filters]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ ordering: 'newest' })
    w.unmount()
  })

  it('the home page shows no filters and asks for no categories', async () => {
    const w = await mountAt('/')
    expect(w.find('[data-testid=course-filters]').exists()).toBe(false)
    expect(coursesApi.fetchCategories).not.toHaveBeenCalled()
    expect(lastCall()).toEqual({ page: 1 })
    w.unmount()
  })
})

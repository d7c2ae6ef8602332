import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createRouter, createMemoryHistory } from 'vue-router'
import ElementPlus from 'element-plus'

vi.mock('@/api/learn', () => ({
  fetchLessons: vi.fn(),
  postProgress: vi.fn(),
  fetchMyStudy: vi.fn(),
  fetchRefundRequests: vi.fn(),
  createRefundRequest: vi.fn(),
}))
import * as learnApi from '@/api/learn'
import Learn from '@/views/Learn.vue'
import { useAuthStore } from '@/stores/auth'

const lesson = (id, extra = {}) => ({
  id, chapter_id: 1, chapter_orders: 1, chapter_name: '入门', orders: id, name: `第${id}节`, duration: 60,
  free_trail: id === 1, play_url: `/api/learn/lessons/${id}/media/?sig=s${id}`, watched: 0, position: 0, ...extra,
})

async function mountAt(path) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/learn/:id', component: Learn, props: true }, { path: '/:p(.*)*', component: { template: '<div />' } }] })
  await router.push(path)
  await router.isReady()
  const w = mount({ template: '<router-view />' }, { global: { plugins: [ElementPlus, router] } })
  await flushPromises()
  return { w, router }
}

beforeEach(() => {
  vi.resetAllMocks()
  setActivePinia(createPinia())
  useAuthStore().access = 'token'
  learnApi.postProgress.mockImplementation(async (id, position) => ({ lesson_id: id, watched: position, position, course_percent: 5 }))
})
afterEach(() => vi.useRealTimers())

describe('the study page', () => {
  it('resumes at the lesson last studied and locks the ones the student may not play', async () => {
    learnApi.fetchLessons.mockResolvedValue({
      course_id: 7, course_name: 'Vue', owned: false, percent: 0, last_lesson_id: 2, url_max_age: 7200,
      lessons: [lesson(1), lesson(2, { position: 30 }), lesson(3, { play_url: null })],
    })
    const { w } = await mountAt('/learn/7')
    expect(w.get('[data-testid=learn-video]').attributes('src')).toBe('/api/learn/lessons/2/media/?sig=s2')
    await w.get('[data-testid=learn-next]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid=learn-video]').exists()).toBe(false)
    expect(w.get('[data-testid=learn-locked]').text()).toContain('购买课程后即可学习')
    expect(w.get('[data-testid=learn-next]').attributes('disabled')).toBeDefined()
  })

  it('reports progress at most every 10 s of playback, and on pause', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-12-04T10:00:00Z'))
    learnApi.fetchLessons.mockResolvedValue({
      course_id: 7, course_name: 'Vue', owned: true, percent: 0, last_lesson_id: null, url_max_age: 7200,
      lessons: [lesson(1), lesson(2)],
    })
    const { w } = await mountAt('/learn/7?lesson=2')
    const video = w.get('[data-testid=learn-video]')
    let now = 0
    Object.defineProperty(video.element, 'currentTime', { get: () => now, set: (v) => (now = v), configurable: true })
    const at = async (seconds, wallMs) => {
      now = seconds
      vi.setSystemTime(new Date(Date.parse('2026-12-04T10:00:00Z') + wallMs))
      await video.trigger('timeupdate')
      await flushPromises()
    }
    await at(1.2, 1000)
    await at(3.5, 3500)
    await at(9.9, 9900)
    expect(learnApi.postProgress.mock.calls).toEqual([[2, 1, false]])
    await at(11.4, 11_500)
    expect(learnApi.postProgress.mock.calls).toEqual([[2, 1, false], [2, 11, false]])
    now = 12.2
    await video.trigger('pause')
    await flushPromises()
    expect(learnApi.postProgress.mock.calls).toEqual([[2, 1, false], [2, 11, false], [2, 12, false]])
    // Played to its end: the report says so (the lesson is complete even if the file is shorter than listed).
    Object.defineProperty(video.element, 'duration', { configurable: true, get: () => 13.6 })
    await video.trigger('ended')
    await flushPromises()
    expect(learnApi.postProgress.mock.calls.at(-1)).toEqual([2, 13, true])
  })
})

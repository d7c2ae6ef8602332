import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'

vi.mock('@/api/learn', () => ({
  fetchLessons: vi.fn(),
  postProgress: vi.fn(),
  fetchMyStudy: vi.fn(),
  fetchRefundRequests: vi.fn(),
  createRefundRequest: vi.fn(),
}))
import * as learnApi from '@/api/learn'
import { useLearnStore } from '@/stores/learn'

beforeEach(() => {
  setActivePinia(createPinia())
  vi.resetAllMocks()
})

describe('learn store progress reports', () => {
  it('keeps the larger watched and percent when two answers arrive out of order (pause, then ended)', async () => {
    const s = useLearnStore()
    s.course = { course_id: 1, percent: 0, lessons: [{ id: 2, duration: 545, watched: 0, position: 0 }] }
    let answerPause
    learnApi.postProgress
      .mockImplementationOnce(() => new Promise((resolve) => (answerPause = resolve)))
      .mockResolvedValueOnce({ lesson_id: 2, watched: 545, position: 545, course_percent: 9 })
    const pause = s.report(2, 6)
    await s.report(2, 6, true) // the ended report answers first
    expect(learnApi.postProgress.mock.calls).toEqual([[2, 6, false], [2, 6, true]])
    answerPause({ lesson_id: 2, watched: 6, position: 6, course_percent: 0 })
    await pause
    expect(s.lessons[0].watched).toBe(545)
    expect(s.course.percent).toBe(9)
  })
})

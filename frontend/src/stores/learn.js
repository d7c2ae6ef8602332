import { defineStore } from 'pinia'
import { learnApi } from '@/api'

/** Studying: a course's lessons (with signed play URLs), progress reports, and 我的课程's progress and refunds. */
export const useLearnStore = defineStore('learn', {
  state: () => ({
    /** @type {import('@/api/types').Schemas['CourseLessons'] | null} */
    course: null,
    loadedAt: 0,
    /** @type {import('@/api/types').Schemas['MyCourseStudy'][]} */
    study: [],
    /** @type {import('@/api/types').Schemas['RefundRequestRecord'][]} */
    refundRequests: [],
  }),
  getters: {
    /** @returns {import('@/api/types').Schemas['StudyLesson'][]} */
    lessons: (s) => (s.course ? s.course.lessons : []),
    studyOf: (s) => (courseId) => s.study.find((row) => row.course_id === courseId) || null,
    /** The newest refund request for a course line, if any. */
    requestOf: (s) => (orderNumber, courseId) =>
      s.refundRequests.find((r) => r.order_number === orderNumber && r.course_id === courseId) || null,
  },
  actions: {
    async loadCourse(courseId) {
      this.course = await learnApi.fetchLessons(courseId)
      this.loadedAt = Date.now()
      return this.course
    },
    /** Report a position; keeps the lesson's numbers (and the course's percent) in step with the server. */
    async report(lessonId, position, ended = false) {
      const out = await learnApi.postProgress(lessonId, Math.floor(position), ended)
      const lesson = this.lessons.find((l) => l.id === lessonId)
      if (lesson) {
        // The server's `watched` never decreases, but two reports in flight (pause, then ended) may answer out of
        // order: keep the larger, or a late answer would undo 已学完.
        lesson.watched = Math.max(lesson.watched, out.watched)
        lesson.position = out.position
      }
      if (this.course) {
        this.course.percent = Math.max(this.course.percent, out.course_percent)
        this.course.last_lesson_id = lessonId
      }
      return out
    },
    async loadStudy() {
      const [study, requests] = await Promise.all([learnApi.fetchMyStudy(), learnApi.fetchRefundRequests()])
      this.study = study
      this.refundRequests = requests
      return this.study
    },
    async requestRefund(orderNumber, courseId, reason) {
      const created = await learnApi.createRefundRequest(orderNumber, courseId, reason)
      this.refundRequests = [created, ...this.refundRequests]
      return created
    },
  },
})

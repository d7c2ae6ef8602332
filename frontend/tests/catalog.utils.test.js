import { describe, expect, it } from 'vitest'
import { apiParams, catalogQuery, chapterTitle, formatDuration, lessonNumber, routeQuery } from '@/utils/catalog'

describe('lesson durations', () => {
  it('shows whole seconds as mm:ss, and h:mm:ss from an hour', () => {
    expect(formatDuration(498)).toBe('08:18')
    expect(formatDuration('605')).toBe('10:05') // the API before the integer migration sends text
    expect(formatDuration(59)).toBe('00:59')
    expect(formatDuration(3600)).toBe('1:00:00')
    expect(formatDuration(3725)).toBe('1:02:05')
  })
  it('shows nothing for an unknown length and keeps a clock-shaped text', () => {
    for (const v of [0, '', null, undefined, 'abc', -5]) expect(formatDuration(v)).toBe('')
    expect(formatDuration('11:00')).toBe('11:00')
  })
})

describe('chapter and lesson titles', () => {
  it('numbers a chapter once, even when an old name already starts with 第N章', () => {
    expect(chapterTitle({ orders: 1, name: '第1章 Django 核心知识' }, 0)).toBe('第1章 · Django 核心知识')
    expect(chapterTitle({ orders: 2, name: '第 2 章：进阶' }, 1)).toBe('第2章 · 进阶')
    expect(chapterTitle({ orders: 3, name: '订单与支付' }, 2)).toBe('第3章 · 订单与支付')
    expect(chapterTitle({ name: '' }, 3)).toBe('第4章')
  })
  it('numbers a lesson within its chapter', () => {
    expect(lessonNumber({ orders: 2 }, 1, { orders: 3 }, 2)).toBe('2-3')
    expect(lessonNumber({}, 0, {}, 0)).toBe('1-1')
  })
})

describe('the course list query in the URL', () => {
  it('reads category, ordering, search and page, dropping what is malformed', () => {
    expect(catalogQuery({ category: '3', ordering: 'price', search: '  django   实战 ', page: '2' })).toEqual({
      category: 3,
      ordering: 'price',
      search: 'django 实战',
      page: 2,
    })
    expect(catalogQuery({ category: 'x', ordering: 'name', page: '-1' })).toEqual({
      category: null,
      ordering: '',
      search: '',
      page: 1,
    })
  })
  it('writes only what differs from the default, and round-trips', () => {
    expect(routeQuery({ category: null, ordering: '', search: '', page: 1 })).toEqual({})
    const q = { category: 3, ordering: '-price', search: 'vue', page: 2 }
    expect(routeQuery(q)).toEqual({ category: '3', ordering: '-price', search: 'vue', page: '2' })
    expect(catalogQuery(routeQuery(q))).toEqual(q)
    expect(apiParams(q)).toEqual({ page: 2, category: 3, ordering: '-price', search: 'vue' })
    expect(apiParams({ page: 1 })).toEqual({ page: 1 })
  })
})

import { describe, expect, it } from 'vitest'
import { coverSrcset } from '@/utils/catalog'

describe('coverSrcset', () => {
  it('offers the small copy of the shop’s own covers', () => {
    expect(coverSrcset('/static/demo/covers/python-basics.jpg')).toBe(
      '/static/demo/covers/python-basics.sm.jpg 224w, /static/demo/covers/python-basics.jpg 640w',
    )
  })
  it('has none for any other cover', () => {
    expect(coverSrcset('https://cdn.example.com/c/1.jpg')).toBe('')
    expect(coverSrcset('/static/demo/covers/python-basics.png')).toBe('')
    expect(coverSrcset('')).toBe('')
    expect(coverSrcset(undefined)).toBe('')
  })
})

import { afterEach, describe, expect, it, vi } from 'vitest'
import { payDevice, PHONE_MAX_WIDTH } from '@/utils/device'
import { fetchAlipayLink } from '@/api/payments'

const CHROME_DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36'
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1'
const ANDROID_PHONE = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Mobile Safari/537.36'
const ANDROID_TABLET = 'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36'

describe('payDevice: which Alipay cashier this browser gets', () => {
  afterEach(() => vi.unstubAllGlobals())

  it.each([
    ['a phone at 390 px', { width: 390, userAgent: IPHONE }, 'mobile'],
    ['a phone asking for the desktop site (wide viewport, phone UA)', { width: 980, userAgent: ANDROID_PHONE }, 'mobile'],
    ['a phone per the client hint', { width: 1280, userAgent: CHROME_DESKTOP, uaMobile: true }, 'mobile'],
    ['a desktop browser at 390 px (narrow window, devtools phone size)', { width: 390, userAgent: CHROME_DESKTOP }, 'mobile'],
    ['the phone breakpoint itself', { width: PHONE_MAX_WIDTH, userAgent: CHROME_DESKTOP }, 'mobile'],
    ['just wider than the breakpoint', { width: PHONE_MAX_WIDTH + 1, userAgent: CHROME_DESKTOP }, 'desktop'],
    ['a desktop at 1280 px', { width: 1280, userAgent: CHROME_DESKTOP }, 'desktop'],
    ['an Android tablet (no "Mobile" in its UA)', { width: 1280, userAgent: ANDROID_TABLET }, 'desktop'],
    ['an unknown width', { width: 0, userAgent: CHROME_DESKTOP }, 'desktop'],
  ])('%s → %s', (_, env, expected) => {
    expect(payDevice(env)).toBe(expected)
  })

  it('reads this window and user agent by default', () => {
    vi.stubGlobal('innerWidth', 390)
    expect(payDevice()).toBe('mobile')
    vi.stubGlobal('innerWidth', 1280)
    expect(payDevice()).toBe('desktop')
    vi.stubGlobal('navigator', { userAgent: IPHONE })
    expect(payDevice()).toBe('mobile')
  })
})

describe('fetchAlipayLink: the device goes to the API as ?device=', () => {
  const seen = []
  afterEach(() => {
    seen.length = 0
    vi.unstubAllGlobals()
  })

  it.each([
    ['mobile', '?device=mobile'],
    ['desktop', '?device=desktop'],
    [undefined, ''],
  ])('device %s → query %j', async (device, query) => {
    vi.stubGlobal('fetch', (url) => {
      seen.push(url)
      return Promise.resolve(
        new Response(JSON.stringify({ link: 'http://gw/x' }), { status: 200, headers: { 'Content-Type': 'application/json' } }),
      )
    })
    expect(await fetchAlipayLink('N 1', device)).toEqual({ link: 'http://gw/x' })
    expect(seen[0]).toBe(`/api/payments/alipay/N%201/${query}`)
  })
})

// 390 px wide (a phone): a fresh student logs in, adds a course from the list, checks out up to the
// server's quote. Every page must fit the width (no horizontal scrolling).
import { test, before, after } from 'node:test'
import { assert, launch, newSession, registerFresh, uiLogin, pickBuyableCourses, addFromCard, selectOnly, settledQuote } from './helpers.mjs'

let browser
before(async () => (browser = await launch()))
after(async () => browser && (await browser.close()))

const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)

test('mobile 390px: list → cart → checkout quote, nothing wider than the screen', { timeout: 120_000 }, async () => {
  const { context, snap, pageErrors } = await newSession(browser, 'mobile', { width: 390, height: 844 })
  try {
    const user = await registerFresh()
    const page = await context.newPage()
    await uiLogin(page, user, '/courses')
    await page.getByTestId('course-card').first().waitFor()
    await snap(page, 'courses')
    assert.ok((await overflow(page)) <= 0, 'course list fits 390px')

    const [course] = await pickBuyableCourses(page, 1)
    assert.ok(course)
    await page.goto(`/courses/${course.id}`)
    await page.getByTestId('course-detail').waitFor()
    await snap(page, 'detail')
    assert.ok((await overflow(page)) <= 0, 'detail fits 390px')

    await addFromCard(page, course)
    await selectOnly(page, [course.id])
    await snap(page, 'cart')
    assert.ok((await overflow(page)) <= 0, 'cart fits 390px')
    await page.getByTestId('cart-checkout').click()
    await page.waitForURL('**/order')
    const real = await settledQuote(page)
    assert.match(real, /^¥\d+\.\d\d$/)
    await snap(page, 'checkout')
    assert.ok((await overflow(page)) <= 0, 'checkout fits 390px')

    for (const path of ['/user/orders', '/user/courses', '/user/credits']) {
      await page.goto(path)
      await page.waitForLoadState('networkidle')
      await snap(page, path.replace(/\//g, '_'))
      assert.ok((await overflow(page)) <= 0, `${path} fits 390px`)
    }
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})

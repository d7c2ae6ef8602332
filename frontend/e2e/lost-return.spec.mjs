// The lost return: pay on the cashier, then close the cashier tab before it follows the
// return URL. Only the notify reaches the shop; the checkout page's polling must find the
// order paid and move to the success page.
import { test, before, after } from 'node:test'
import {
  assert, launch, newSession, registerFresh, uiLogin, pickBuyableCourses, addFromCard,
  selectOnly, settledQuote, cashierUrl,
} from './helpers.mjs'

let browser
before(async () => (browser = await launch()))
after(async () => browser && (await browser.close()))

test('lost return: polling finds the order paid through the notify', { timeout: 180_000 }, async () => {
  const { context, snap, pageErrors } = await newSession(browser, 'lost-return')
  try {
    const user = await registerFresh() // a new student: owns nothing, no unpaid orders
    const page = await context.newPage()
    await uiLogin(page, user, '/courses')
    const [course] = await pickBuyableCourses(page, 1)
    assert.ok(course, 'there is a paid course to buy')
    await addFromCard(page, course)
    await selectOnly(page, [course.id])
    await page.getByTestId('cart-checkout').click()
    await page.waitForURL('**/order')
    await settledQuote(page)
    await snap(page, 'checkout')

    const popupPromise = context.waitForEvent('page')
    await page.getByTestId('pay-button').click()
    const cashier = await popupPromise
    // Pay, but never let this tab reach the shop's return page: the cashier's pay form answers
    // with a 302 to the return URL, which we swallow (the payment itself goes through).
    let returnLocation = null
    await cashier.route(/\/sandbox\/alipay\/cashier\/[^/]+\/(pay|confirm)$/, async (route) => {
      const res = await route.fetch({ maxRedirects: 0 })
      returnLocation = res.headers()['location'] || ''
      await route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: '<p id="return-swallowed">paid; return not followed</p>' })
    })
    await cashier.waitForURL((u) => cashierUrl(u.href), { timeout: 20_000 })
    await page.getByTestId('pay-overlay').waitFor()
    await snap(cashier, 'cashier')
    await cashier.locator('#cashier-pay').click()
    await cashier.locator('#return-swallowed').waitFor()
    assert.ok(returnLocation && returnLocation.includes('/alipay'), `the cashier wanted to return to /alipay (got ${returnLocation})`)
    await snap(cashier, 'cashier-after-pay')
    await cashier.close()

    // Polling backs off to 10 s at most; the notify may be a little late too.
    await page.waitForURL('**/order/success/**', { timeout: 90_000 })
    await page.getByTestId('pay-success').waitFor({ timeout: 20_000 })
    const names = await page.getByTestId('success-course').allInnerTexts()
    assert.equal(names.length, 1)
    assert.ok(names[0].includes(course.name))
    await snap(page, 'success-by-polling')

    await page.goto('/user/courses')
    await page.locator(`[data-testid=my-course][data-course-id="${course.id}"]`).waitFor()
    await snap(page, 'my-courses')
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})

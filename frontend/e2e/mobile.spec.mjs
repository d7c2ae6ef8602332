// 390 px wide (a phone): a fresh student logs in, adds a course from the list, checks out with the
// server's quote, pays on the sandbox's PHONE cashier (the SPA asks for ?device=mobile, the shop links
// alipay.trade.wap.pay; the pay overlay, the cashier and the return page at 390 px), sees the success page in
// the checkout tab, the user pages with the paid order, then logs out and in again. Every page must fit the
// width (no horizontal scrolling).
import { test, before, after } from 'node:test'
import {
  assert, launch, newSession, registerFresh, pickBuyableCourses, addFromCard, selectOnly, settledQuote, payInNewTab,
  sim, paymentEvents, BASE,
} from './helpers.mjs'

let browser
before(async () => (browser = await launch()))
after(async () => browser && (await browser.close()))

const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
const fits = async (page, what) => assert.ok((await overflow(page)) <= 0, `${what} fits 390px (overflow ${await overflow(page)}px)`)

test('mobile 390px: list → cart → checkout → pay → success, login, nothing wider than the screen', { timeout: 180_000 }, async () => {
  const session = await newSession(browser, 'mobile', { width: 390, height: 844 })
  const { context, snap } = session
  try {
    const user = await registerFresh()
    const page = await context.newPage()
    await page.goto('/login?next=/courses')
    await page.getByTestId('login-username').fill(user.mobile)
    await page.getByTestId('login-password').fill(user.password)
    await snap(page, 'login')
    await fits(page, 'login page')
    await page.getByTestId('login-submit').click()
    await page.waitForURL((u) => u.pathname === '/courses')
    await page.getByTestId('course-card').first().waitFor()
    await snap(page, 'courses')
    await fits(page, 'course list')

    const [course] = await pickBuyableCourses(page, 1)
    assert.ok(course)
    await page.goto(`/courses/${course.id}`)
    await page.getByTestId('course-detail').waitFor()
    await snap(page, 'detail')
    await fits(page, 'detail')

    await addFromCard(page, course)
    await selectOnly(page, [course.id])
    await snap(page, 'cart')
    await fits(page, 'cart')
    await page.getByTestId('cart-checkout').click()
    await page.waitForURL('**/order')
    const real = await settledQuote(page)
    assert.match(real, /^¥\d+\.\d\d$/)
    await snap(page, 'checkout')
    await fits(page, 'checkout')

    // Pay: the overlay over the checkout, the cashier in a new tab (the same 390 px context).
    const cashier = await payInNewTab(page, context)
    await page.getByTestId('pay-overlay').waitFor()
    await page.getByTestId('pay-countdown').waitFor()
    assert.equal(await page.getByTestId('pay-overlay').getAttribute('data-state'), 'waiting')
    const orderNumber = (await page.getByTestId('pay-order-number').innerText()).trim()
    assert.match(await page.getByTestId('pay-overlay').innerText(), new RegExp(real.replace(/[.¥]/g, '\\$&')), 'the overlay shows the amount to pay')
    const box = await page.locator('[data-testid=pay-overlay] .box').boundingBox()
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `the overlay's box is inside the screen (${JSON.stringify(box)})`)
    await snap(page, 'pay-overlay')
    await fits(page, 'pay overlay')
    // It is Alipay's phone cashier (wap pay), not the desktop one, and it fits the phone.
    assert.equal(await cashier.locator('#cashier-order').getAttribute('data-cashier'), 'wap')
    assert.equal(await cashier.title(), '支付宝 · 手机网站支付')
    assert.equal(await cashier.locator('#cashier-quit').getAttribute('href'), `${BASE}/user/orders?status=0`)
    assert.match(await cashier.locator('#cashier-pay').innerText(), /打开支付宝App付款/)
    const payBox = await cashier.locator('#cashier-pay').boundingBox()
    assert.ok(payBox && payBox.x >= 0 && payBox.x + payBox.width <= 390 && payBox.width >= 300,
      `the pay button spans the phone's width (${JSON.stringify(payBox)})`)
    assert.equal((await sim(`trades/${orderNumber}`)).method, 'alipay.trade.wap.pay')
    await snap(cashier, 'cashier')
    await fits(cashier, 'phone cashier')

    await cashier.locator('#cashier-pay').click()
    await cashier.waitForURL((u) => u.pathname === '/alipay', { timeout: 30_000 })
    await cashier.getByTestId('pay-success').waitFor({ timeout: 30_000 })
    assert.equal((await cashier.getByTestId('success-order-number').innerText()).trim(), orderNumber)
    assert.ok((await cashier.getByTestId('success-course').allInnerTexts()).some((n) => n.includes(course.name)))
    const link = (await paymentEvents(orderNumber)).find((e) => e.kind === 'link')
    assert.equal(link && link.params.device, 'mobile', 'the shop recorded a phone link')
    await snap(cashier, 'return-success')
    await fits(cashier, 'return page')
    await cashier.close()

    // The checkout tab finds the order paid and shows its success page.
    await page.waitForURL(`**/order/success/${orderNumber}`, { timeout: 60_000 })
    await page.getByTestId('pay-success').waitFor()
    assert.equal((await page.getByTestId('success-real-price').innerText()).trim(), real)
    assert.ok((await page.getByTestId('success-course').allInnerTexts()).some((n) => n.includes(course.name)))
    await snap(page, 'success')
    await fits(page, 'success page')

    await page.goto('/user/orders')
    await page.locator(`[data-testid=order-row][data-order-number="${orderNumber}"][data-status="1"]`).waitFor()
    await snap(page, '_user_orders')
    await fits(page, '/user/orders')
    await page.goto('/user/courses')
    await page.locator(`[data-testid=my-course][data-course-id="${course.id}"]`).waitFor()
    await snap(page, '_user_courses')
    await fits(page, '/user/courses')
    await page.goto('/user/credits')
    await page.getByTestId('credits-empty').waitFor() // a new student has no credit entries
    await snap(page, '_user_credits')
    await fits(page, '/user/credits')

    // Log out, and a page that needs login sends you to the login page (at 390 px) and back.
    await page.getByTestId('logout').click()
    await page.getByTestId('nav-login').waitFor()
    await page.goto('/user/orders')
    await page.waitForURL((u) => u.pathname === '/login')
    await page.getByTestId('login-username').fill(user.mobile)
    await page.getByTestId('login-password').fill(user.password)
    await snap(page, 'login-again')
    await fits(page, 'login page after logout')
    await page.getByTestId('login-submit').click()
    await page.waitForURL((u) => u.pathname === '/user/orders')
    await page.locator(`[data-testid=order-row][data-order-number="${orderNumber}"]`).waitFor()
    session.assertNoBrowserErrors()
  } finally {
    await context.close()
  }
})

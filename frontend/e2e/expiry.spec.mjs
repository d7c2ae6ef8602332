// Expiry (needs the shop started with a short ORDER_TIMEOUT_SECONDS, e.g. 20, and E2E_SHORT_TIMEOUT=1):
// the overlay counts down; the order shows timed out in my orders; the coupon is usable again.
import { test, before, after } from 'node:test'
import {
  assert, launch, newSession, DEMO, apiLogin, cancelUnpaidOrders, unselectCart, uiLogin,
  pickBuyableCourses, addFromCard, selectOnly, settledQuote, cashierUrl,
} from './helpers.mjs'

const enabled = process.env.E2E_SHORT_TIMEOUT === '1'
let browser
before(async () => enabled && (browser = await launch()))
after(async () => browser && (await browser.close()))

test('expiry: countdown, timed out in my orders, coupon usable again', { skip: !enabled && 'set E2E_SHORT_TIMEOUT=1 (shop with a short ORDER_TIMEOUT_SECONDS)', timeout: 300_000 }, async (t) => {
  const { context, snap, pageErrors } = await newSession(browser, 'expiry')
  try {
    const tokens = await apiLogin(DEMO.mobile, DEMO.password)
    await cancelUnpaidOrders(tokens.access)
    await unselectCart(tokens.access)

    const page = await context.newPage()
    await uiLogin(page, DEMO, '/courses')
    // A course not bought yet for which one of the demo student's coupons is usable.
    const candidates = await pickBuyableCourses(page, 8)
    let course = null
    let coupon = null
    for (const c of candidates) {
      await addFromCard(page, c)
      await selectOnly(page, [c.id])
      await page.getByTestId('cart-checkout').click()
      await page.waitForURL('**/order')
      await settledQuote(page)
      const usable = page.locator('[data-testid=coupon-option][data-disabled="0"]').first()
      if (await usable.count()) {
        course = c
        coupon = usable
        break
      }
    }
    if (!candidates.length) {
      t.skip('the demo student owns every paid course; re-seed the shop')
      return
    }
    assert.ok(course, 'the demo student has a coupon usable for a course not bought yet (run seed_demo)')
    const couponId = await coupon.getAttribute('data-coupon-id')
    const couponName = (await coupon.locator('.coupon-name').innerText()).trim()
    await coupon.click()
    await settledQuote(page)
    await snap(page, 'checkout-with-coupon')

    const popupPromise = context.waitForEvent('page')
    await page.getByTestId('pay-button').click()
    const cashier = await popupPromise
    await cashier.waitForURL((u) => cashierUrl(u.href), { timeout: 20_000 }).catch(() => {})
    await cashier.close() // never pay
    const orderNumber = (await page.getByTestId('pay-order-number').innerText()).trim()

    // The overlay counts down.
    const countdown = page.getByTestId('pay-countdown')
    const seconds = async () => Number(await countdown.getAttribute('data-seconds'))
    const first = await seconds()
    await page.waitForTimeout(2500)
    const second = await seconds()
    assert.ok(second < first, `countdown moves (${first} → ${second})`)
    await snap(page, 'overlay-counting')

    // ...until the order has timed out.
    await page.locator('[data-testid=pay-overlay][data-state="timeout"], [data-testid=pay-overlay][data-state="expired"]')
      .waitFor({ timeout: (first + 60) * 1000 })
    await snap(page, 'overlay-timed-out')

    // My orders shows it timed out (the server's expiry job may lag a little).
    let status = null
    for (let i = 0; i < 30 && status !== '3'; i++) {
      await page.goto('/user/orders')
      const row = page.locator(`[data-testid=order-row][data-order-number="${orderNumber}"]`)
      await row.waitFor()
      status = await row.getAttribute('data-status')
      if (status !== '3') await page.waitForTimeout(3000)
    }
    assert.equal(status, '3', 'the order is timed out')
    await page.locator('[data-testid=order-status-tab][data-status="3"]').click()
    await page.locator(`[data-testid=order-row][data-order-number="${orderNumber}"]`).waitFor()
    assert.match(
      await page.locator(`[data-testid=order-row][data-order-number="${orderNumber}"] [data-testid=order-row-status]`).innerText(),
      /超时/,
    )
    await snap(page, 'my-orders-timed-out')

    // The coupon came back: usable again on checkout for the same course.
    await addFromCard(page, course)
    await selectOnly(page, [course.id])
    await page.goto('/order')
    await settledQuote(page)
    const again = page.locator(
      `[data-testid=coupon-option][data-disabled="0"][data-coupon-id="${couponId}"]`,
    )
    const byName = page.locator('[data-testid=coupon-option][data-disabled="0"]', { hasText: couponName })
    assert.ok((await again.count()) + (await byName.count()) > 0, `coupon ${couponName} is usable again`)
    await snap(page, 'coupon-usable-again')
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})

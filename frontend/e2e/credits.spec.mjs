// Register a new student through the register page; the shop gives them credits (a "系统赠送" ledger
// entry, through its own service); they check out a course with credits using "使用最多积分", the
// summary shows the server's quote with the credit deduction, pay on the sandbox cashier, and my
// credits shows the real ledger: the gift and the spending for that order, and the new balance.
import { test, before, after } from 'node:test'
import {
  assert, launch, newSession, api, apiLogin, randomMobile, giftCredits, pickBuyableCourses, addFromCard,
  selectOnly, settledQuote, payInNewTab,
} from './helpers.mjs'

const GIFT = 500
let browser
before(async () => (browser = await launch()))
after(async () => browser && (await browser.close()))

/** "12.30" from integer cents, the way the server writes amounts. */
const yuan = (cents) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`

test('register, then pay with the most credits and see them in my credits', { timeout: 180_000 }, async (t) => {
  const session = await newSession(browser, 'credits')
  const { context, snap } = session
  try {
    // Register through the page.
    const user = { mobile: randomMobile(), password: 'Luffy-e2e-2026' }
    const page = await context.newPage()
    await page.goto('/register')
    await page.getByTestId('register-mobile').fill(user.mobile)
    await page.getByTestId('register-password').fill(user.password)
    await page.getByTestId('register-password2').fill(user.password)
    await snap(page, 'register')
    await page.getByTestId('register-submit').click()
    await page.waitForURL((u) => u.pathname !== '/register', { timeout: 15_000 })
    await page.getByTestId('user-name').waitFor()
    assert.equal(await page.getByTestId('nav-login').count(), 0, 'logged in after registering')
    await snap(page, 'registered')
    const tokens = await apiLogin(user.mobile, user.password) // the account exists with that password
    const me = await api('/users/me/', { token: tokens.access })
    assert.equal(me.data.mobile, user.mobile)
    assert.equal(me.data.credit, 0, 'a new student has no credits')

    assert.equal((await giftCredits(user.mobile, GIFT, 'e2e 赠送积分')).credit, GIFT)
    await page.goto('/user/credits')
    await page.getByTestId('credit-row').first().waitFor()
    assert.equal((await page.getByTestId('credit-balance').innerText()).trim(), String(GIFT))
    assert.deepEqual(await page.getByTestId('credit-row-number').allInnerTexts(), [`+${GIFT}`])
    await snap(page, 'credits-after-gift')

    // A course not bought yet that allows credits (its allowance is the server's).
    const catalogue = []
    for (let p = 1, more = true; more && p <= 10; p++) {
      const r = await api(`/courses/?page=${p}`)
      catalogue.push(...(r.data.results || []))
      more = !!r.data.next
    }
    const allowance = new Map(catalogue.map((c) => [c.id, c.credit || 0]))
    const candidates = await pickBuyableCourses(page, 20)
    const course = candidates.find((c) => allowance.get(c.id) > 0)
    assert.ok(course, 'a paid course with a credit allowance to buy (run seed_demo)')
    const expectedCredit = Math.min(allowance.get(course.id), GIFT)
    await addFromCard(page, course)
    await selectOnly(page, [course.id])
    await page.getByTestId('cart-checkout').click()
    await page.waitForURL('**/order')
    const full = await settledQuote(page)

    const isQuote = (r, credit) => r.url().endsWith('/api/orders/quote/') && r.request().method() === 'POST' &&
      credit((r.request().postDataJSON() || {}).credit)
    // Switching to credits asks a quote without credits; let it land before choosing how many.
    const switched = page.waitForResponse((r) => isQuote(r, (c) => c === 0))
    await page.getByTestId('discount-type-credit').click()
    await page.getByTestId('credit-panel').waitFor()
    await switched
    await settledQuote(page)
    assert.equal((await page.getByTestId('credit-balance').innerText()).trim(), String(GIFT))
    const enable = await api('/coupon/enable/', { token: tokens.access })
    const perYuan = enable.data.credit_to_money
    assert.ok(Number.isInteger(perYuan) && perYuan > 0, `credits per yuan: ${perYuan}`)
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid=credit-max-value]').textContent.trim() === String(n),
      expectedCredit,
    )
    const quoted = page.waitForResponse((r) => isQuote(r, (c) => c > 0))
    await page.getByTestId('credit-max').click()
    const answer = await quoted
    const asked = answer.request().postDataJSON()
    const quote = await answer.json()
    t.diagnostic(`quote with ${asked.credit} credits: ${JSON.stringify(quote)}`)
    assert.equal(answer.status(), 200)
    assert.equal(asked.credit, expectedCredit, '"使用最多积分" asks for min(allowance, balance)')
    assert.equal(asked.user_coupon_id, -1, 'credits, never with a coupon')
    // The server's deduction: credit / credit_to_money yuan (1 credit = 100 / perYuan cents).
    assert.equal(quote.discount_price, yuan(Math.round((expectedCredit * 100) / perYuan)))
    const real = await settledQuote(page)
    assert.equal(real, `¥${quote.real_price}`, 'the summary shows the server\'s amount to pay')
    assert.notEqual(real, full, 'the credits lower the amount to pay')
    assert.equal((await page.getByTestId('quote-discount').innerText()).trim(), `-¥${quote.discount_price}`)
    assert.equal((await page.getByTestId('quote-total').innerText()).trim(), `¥${quote.total_price}`)
    await snap(page, 'checkout-with-most-credits')

    const cashier = await payInNewTab(page, context)
    assert.match(await cashier.locator('#cashier-amount').innerText(), new RegExp(`(^|\\D)${quote.real_price.replace('.', '\\.')}(\\D|$)`),
      'the cashier asks for the quoted amount')
    await snap(cashier, 'cashier')
    await cashier.locator('#cashier-pay').click()
    await cashier.waitForURL((u) => u.pathname === '/alipay', { timeout: 30_000 })
    await cashier.getByTestId('pay-success').waitFor({ timeout: 30_000 })
    assert.equal((await cashier.getByTestId('success-real-price').innerText()).trim(), real)
    const orderNumber = (await cashier.getByTestId('success-order-number').innerText()).trim()
    await snap(cashier, 'return-success')
    await cashier.close()

    // My credits: the balance went down by what was spent; the ledger has the spending for this order.
    await page.goto('/user/credits')
    await page.getByTestId('credit-row').nth(1).waitFor()
    assert.equal((await page.getByTestId('credit-balance').innerText()).trim(), String(GIFT - expectedCredit))
    const rows = await page.getByTestId('credit-row').allInnerTexts()
    t.diagnostic(`ledger: ${rows.map((r) => r.replace(/\s+/g, ' ')).join(' | ')}`)
    assert.equal(rows.length, 2)
    const spent = page.locator('[data-testid=credit-row]', { hasText: orderNumber })
    assert.equal(await spent.count(), 1, 'one entry names the order')
    assert.equal((await spent.getByTestId('credit-row-number').innerText()).trim(), `-${expectedCredit}`)
    assert.deepEqual((await page.getByTestId('credit-row-number').allInnerTexts()).sort(), [`+${GIFT}`, `-${expectedCredit}`].sort())
    await snap(page, 'credits-after-spending')
    session.assertNoBrowserErrors()
  } finally {
    await context.close()
  }
})

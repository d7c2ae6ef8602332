// The wallet (余额): a fresh student tops up on the Alipay sandbox cashier from /user/wallet, then buys a course
// paying with the balance at checkout (no cashier tab), and the wallet page shows both entries. A top-up through
// WeChat Pay: 微信支付 chosen in the top-up form, the QR overlay, the sandbox scan page pays, the balance grows.
import { test, before, after } from 'node:test'
import {
  assert, launch, newSession, registerFresh, uiLogin, pickBuyableCourses, settledQuote, cashierUrl, expectWechatQr, payOnScanPage,
} from './helpers.mjs'

let browser
before(async () => (browser = await launch()))
after(async () => browser && (await browser.close()))

const TOPUP = '5000.00'
const cents = (text) => Math.round(Number(String(text).replace(/[^0-9.]/g, '')) * 100) // display text only

test('wallet: top up through the Alipay sandbox, then buy a course with the balance', { timeout: 240_000 }, async (t) => {
  const session = await newSession(browser, 'wallet')
  const { context, snap } = session
  try {
    const user = await registerFresh()
    const page = await context.newPage()
    await uiLogin(page, user, '/user/wallet')
    await page.getByTestId('wallet-empty').waitFor()
    assert.equal((await page.getByTestId('wallet-balance').innerText()).trim(), '¥0.00')
    await snap(page, 'wallet-empty')

    // Top up: a top-up order paid on the sandbox cashier, opened in a new tab like any order's.
    assert.deepEqual(await page.locator('[data-testid^=topup-method-]').allInnerTexts(), ['支付宝', '微信支付'])
    await page.locator('[data-testid=topup-method-0].is-checked').waitFor()
    await page.getByTestId('topup-amount').fill(TOPUP)
    const popup = context.waitForEvent('page')
    await page.getByTestId('topup-button').click()
    const cashier = await popup
    await cashier.waitForURL((u) => cashierUrl(u.href), { timeout: 20_000 })
    await page.getByTestId('pay-overlay').waitFor()
    await snap(page, 'topup-overlay')
    await snap(cashier, 'topup-cashier')
    await cashier.locator('#cashier-pay').click()
    await cashier.waitForURL((u) => u.pathname === '/alipay', { timeout: 30_000 })
    await cashier.getByTestId('pay-success').waitFor({ timeout: 30_000 })
    await snap(cashier, 'topup-return')
    await cashier.close()

    await page.goto('/user/wallet')
    await page.getByTestId('wallet-row').first().waitFor()
    assert.equal((await page.getByTestId('wallet-balance').innerText()).trim(), `¥${TOPUP}`)
    assert.equal((await page.getByTestId('wallet-row-amount').first().innerText()).trim(), `+¥${TOPUP}`)
    await snap(page, 'wallet-topped-up')

    // Buy one course with the balance.
    const [course] = await pickBuyableCourses(page, 1)
    if (!course) {
      t.skip('no buyable course in this shop')
      return
    }
    await page.goto(`/courses/${course.id}`)
    await page.getByTestId('detail-buy-now').click()
    await page.waitForURL('**/order')
    const price = await settledQuote(page)
    if (cents(price) > cents(TOPUP)) {
      t.skip(`the course costs ${price}, more than the top-up`)
      return
    }
    const wallet = page.getByTestId('pay-method-2')
    await wallet.waitFor()
    assert.match(await wallet.innerText(), new RegExp(`余额[\\s\\S]*¥${TOPUP.replace('.', '\\.')}`))
    await wallet.click()
    await page.locator('[data-testid=pay-method-2].is-checked').waitFor()
    assert.equal(await settledQuote(page), price)
    await snap(page, 'checkout-wallet-chosen')
    await page.getByTestId('pay-button').click()
    await page.waitForURL('**/order/success/**', { timeout: 30_000 })
    await page.getByTestId('pay-success').waitFor()
    assert.deepEqual(await page.getByTestId('success-course').allInnerTexts(), [`《${course.name}》`])
    assert.equal(context.pages().length, 1, 'no cashier tab was opened for the wallet')
    await snap(page, 'wallet-paid-success')

    await page.goto('/user/wallet')
    await page.locator('[data-testid=wallet-row]').nth(1).waitFor()
    const left = cents(TOPUP) - cents(price)
    assert.equal(cents(await page.getByTestId('wallet-balance').innerText()), left)
    assert.equal(cents(await page.getByTestId('wallet-row-amount').first().innerText()), cents(price))
    assert.match(await page.getByTestId('wallet-row-amount').first().innerText(), /^-/)
    await snap(page, 'wallet-after-purchase')
    session.assertNoBrowserErrors()
  } finally {
    await context.close()
  }
})

for (const [width, height] of [[1366, 900], [390, 844]]) {
  test(`wallet: top up through WeChat Pay (${width}px): QR overlay → scan page pays → balance`, { timeout: 120_000 }, async () => {
    const session = await newSession(browser, `wallet-wechat-topup-${width}`, { width, height })
    const { context, snap } = session
    try {
      const user = await registerFresh()
      const page = await context.newPage()
      await uiLogin(page, user, '/user/wallet')
      await page.getByTestId('wallet-empty').waitFor()
      await page.getByTestId('topup-method-1').click()
      await page.locator('[data-testid=topup-method-1].is-checked').waitFor()
      assert.equal((await page.getByTestId('topup-button').innerText()).trim(), '微信支付充值')
      await page.getByTestId('topup-amount').fill('88.80')
      await snap(page, `topup-wechat-chosen-${width}`)

      await page.getByTestId('topup-button').click()
      const orderNumber = await expectWechatQr(page, context)
      await snap(page, `topup-qr-overlay-${width}`)
      await payOnScanPage(page, context, orderNumber)

      // The overlay's polling sees the top-up paid: the overlay goes, the page stays and shows the money.
      await page.getByTestId('pay-overlay').waitFor({ state: 'detached', timeout: 60_000 })
      assert.equal(new URL(page.url()).pathname, '/user/wallet')
      await page.getByTestId('wallet-row').first().waitFor()
      assert.equal((await page.getByTestId('wallet-balance').innerText()).trim(), '¥88.80')
      assert.equal((await page.getByTestId('wallet-row-amount').first().innerText()).trim(), '+¥88.80')
      await snap(page, `topup-wechat-credited-${width}`)
      session.assertNoBrowserErrors()
    } finally {
      await context.close()
    }
  })
}

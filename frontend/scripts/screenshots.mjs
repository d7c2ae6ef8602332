// Layout check without a backend: serves nothing itself; point it at `vite preview`
// (SHOT_BASE_URL, default http://127.0.0.1:5173) and it answers /api/* with fixtures,
// then saves screenshots of every page at 1280 and 390 px into e2e-artifacts/screens/.
// Reports console errors and exits non-zero if there were any.
import { chromium } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const BASE = process.env.SHOT_BASE_URL || 'http://127.0.0.1:5173'
const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'e2e-artifacts', 'screens')
mkdirSync(OUT, { recursive: true })

const cover = (hue) =>
  'data:image/svg+xml;utf8,' +
  encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="270"><defs><linearGradient id="g"><stop offset="0" stop-color="hsl(${hue},80%,55%)"/><stop offset="1" stop-color="hsl(${hue + 40},80%,65%)"/></linearGradient></defs><rect width="480" height="270" fill="url(#g)"/></svg>`,
  )
const courses = [
  { id: 1, name: 'Python 全栈开发：从入门到项目实战', brief: '零基础入门 Python，完成一个完整的电商项目', price: '1579.00', discount: { type: '限时折扣', price: '999.00', expire: 86400 * 2 + 3725 }, credit: 100, level_display: '入门', students: 1024, cover: cover(20) },
  { id: 2, name: 'Django REST framework 深入浅出', brief: '序列化器、视图集、权限与 JWT', price: '899.00', discount: {}, credit: 0, level_display: '进阶', students: 512, cover: cover(200) },
  { id: 3, name: 'Vue 3 + Vite 前端工程化', brief: '组合式 API、Pinia、路由与组件库', price: '699.00', discount: { type: '新课特惠', price: '0.00', expire: 3600 }, credit: 50, level_display: '进阶', students: 256, cover: cover(140) },
  { id: 4, name: 'MySQL 性能优化实战', brief: '索引、事务与锁', price: '399.00', discount: {}, credit: 40, level_display: '高级', students: 64, cover: '' },
]
const cartRows = courses.slice(0, 3).map((c, i) => ({ ...c, selected: i < 2 }))
const order = (n, status, label) => ({
  order_number: `20261125000000${n}`, order_status: status, get_order_status_display: label,
  total_price: '2478.00', real_price: '1898.00', credit: 0, created_time: '2026-11-25T10:00:00+08:00',
  order_timeout: status === 0 ? 842 : 0,
  courses: courses.slice(0, 2).map((c) => ({ id: c.id, name: c.name, cover: c.cover, price: c.price, real_price: c.price })),
})
const fixtures = {
  'GET /api/courses/': { count: 14, next: '/api/courses/?page=2', results: courses },
  'GET /api/courses/1/': { ...courses[0], chapters: [
    { id: 1, orders: 1, name: '环境搭建', lessons: [{ id: 1, name: '安装 Python', duration: '10:00', free_trail: true }, { id: 2, name: '虚拟环境', duration: '08:30' }] },
    { id: 2, orders: 2, name: '基础语法', lessons: [{ id: 3, name: '变量与类型', duration: '15:00' }] },
  ] },
  'GET /api/users/me/': { id: 1, mobile: '13800000000', name: '路飞同学', credit: 1000, money: '0.00' },
  'GET /api/users/courses/': [{ id: 1, course: { id: 2, name: courses[1].name, cover: courses[1].cover }, created_time: '2026-11-20T09:00:00+08:00' }],
  'GET /api/users/credits/': { count: 2, results: [
    { id: 2, operation: 1, operation_display: '购物消费', number: -100, remark: '订单抵扣', order_number: '2026112500000001', created_time: '2026-11-25T10:00:00+08:00' },
    { id: 1, operation: 2, operation_display: '系统赠送', number: 1100, remark: '新用户奖励', created_time: '2026-11-20T09:00:00+08:00' },
  ] },
  'GET /api/cart/': { cart: cartRows },
  'GET /api/cart/order/': { cart: cartRows.filter((c) => c.selected) },
  'GET /api/coupon/enable/': { credit_to_money: 10, has_credit: 1000, coupon_list: [
    { user_coupon_id: 11, name: '满1000减100', discount: 1, sale: '-100.00', condition: '1000.00', deduction: '100.00', end_time: '2026-12-31T23:59:59+08:00' },
    { user_coupon_id: 12, name: '全场88折', discount: 2, sale: '*0.88', condition: '0.00', deduction: '107.88' },
    { user_coupon_id: 13, name: '满5000减500', discount: 1, sale: '-500.00', condition: '5000.00', enable: false, reason: '未满足使用门槛' },
  ] },
  'POST /api/orders/quote/': { total_price: '2478.00', discount_price: '580.00', real_price: '1898.00', max_use_credit: 100 },
  'GET /api/orders/': { count: 3, results: [order(3, 0, '未支付'), order(2, 1, '已支付'), order(1, 3, '已超时')] },
  'GET /api/orders/202611250000002/timeline/': { order_number: '202611250000002', order_status: 4, get_order_status_display: '已退款', events: [
    { code: 'created', label: '订单创建', time: '2026-11-25T10:00:00+08:00', amount: '1898.00', detail: '共 2 门课程' },
    { code: 'link_issued', label: '发起支付宝支付', time: '2026-11-25T10:00:03+08:00', amount: null, detail: '' },
    { code: 'paid', label: '支付成功', time: '2026-11-25T10:02:41+08:00', amount: '1898.00', detail: '支付宝支付成功' },
    { code: 'refund_pending', label: '退款处理中', time: '2026-11-26T09:12:00+08:00', amount: '999.00', detail: `退款课程：${courses[0].name}；退还积分 100` },
    { code: 'refunded', label: '退款成功', time: '2026-11-26T09:12:05+08:00', amount: '999.00', detail: `退款课程：${courses[0].name}；退还积分 100` },
  ] },
  'POST /api/orders/': { id: 9, order_number: '202611250000009', order_timeout: 900, total_price: '2478.00', real_price: '1898.00' },
  'GET /api/payments/alipay/202611250000009/': { pay_type: 0, get_pay_type_display: '支付宝', link: '/sandbox/alipay/gateway.do?x=1' },
  'GET /api/payments/alipay/query/202611250000009/': { order_status: 0 },
  'GET /api/payments/alipay/result/': { pay_time: '2026-11-25 10:03:00', real_price: '1898.00', course_list: courses.slice(0, 2) },
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
const errors = []
const pages = [
  ['home', '/', false],
  ['course-detail', '/courses/1', false],
  ['login', '/login?next=/cart', false],
  ['register', '/register', false],
  ['cart', '/cart', true],
  ['order', '/order', true],
  ['pay-overlay', '/order', true, async (p) => { await p.getByTestId('coupon-option').first().click(); await p.waitForTimeout(600); await p.getByTestId('pay-button').click(); await p.getByTestId('pay-overlay').waitFor() }],
  ['alipay-return', '/alipay?out_trade_no=202611250000009&sign=x', true],
  ['user-orders', '/user/orders', true],
  ['user-orders-timeline', '/user/orders', true, async (p) => { await p.locator('[data-testid=order-row][data-status="1"] [data-testid=order-row-timeline]').click(); await p.getByTestId('order-timeline-event').first().waitFor() }, true],
  ['user-courses', '/user/courses', true],
  ['user-credits', '/user/credits', true],
]
for (const width of [1280, 390]) {
  for (const [name, path, loggedIn, action, full = !action] of pages) {
    const ctx = await browser.newContext({ viewport: { width, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN' })
    await ctx.route('**/api/**', (route) => {
      const req = route.request()
      const url = new URL(req.url())
      const key = `${req.method()} ${url.pathname}`
      const body = fixtures[key]
      if (body === undefined) return route.fulfill({ status: 404, json: { errmsg: `no fixture for ${key}`, code: 'not_found' } })
      return route.fulfill({ status: req.method() === 'POST' && key === 'POST /api/orders/' ? 201 : 200, json: body })
    })
    await ctx.route('**/sandbox/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>sandbox cashier</h1>' }))
    if (loggedIn) await ctx.addInitScript(() => { localStorage.setItem('luffy_access', 'a'); localStorage.setItem('luffy_refresh', 'r') })
    const p = await ctx.newPage()
    p.on('console', (m) => m.type() === 'error' && errors.push(`${width} ${name}: ${m.text()}`))
    p.on('pageerror', (e) => errors.push(`${width} ${name}: ${e.message}`))
    await p.goto(BASE + path, { waitUntil: 'networkidle' })
    if (action) await action(p)
    await p.waitForTimeout(300)
    await p.screenshot({ path: join(OUT, `${name}-${width}.png`), fullPage: full })
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    if (overflow > 0) errors.push(`${width} ${name}: horizontal overflow ${overflow}px`)
    await ctx.close()
  }
}
await browser.close()
console.log(`screenshots in ${OUT}`)
if (errors.length) {
  console.error(errors.join('\n'))
  process.exit(1)
}

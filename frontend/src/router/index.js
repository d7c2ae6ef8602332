import { START_LOCATION, createRouter, createWebHistory } from 'vue-router'

/** @type {import('vue-router').RouteRecordRaw[]} */
export const routes = [
  { path: '/', name: 'home', component: () => import('@/views/CourseList.vue'), meta: { title: '免费好课' } },
  { path: '/courses', name: 'courses', component: () => import('@/views/CourseList.vue'), meta: { title: '全部课程' } },
  {
    path: '/courses/:id',
    name: 'course',
    component: () => import('@/views/CourseDetail.vue'),
    props: true,
    meta: { title: '课程详情' },
  },
  {
    path: '/learn/:id',
    name: 'learn',
    component: () => import('@/views/Learn.vue'),
    props: true,
    meta: { title: '学习' }, // free previews play for anyone; the API signs the rest for owners only
  },
  { path: '/login', name: 'login', component: () => import('@/views/Login.vue'), meta: { title: '登录', guest: true } },
  {
    path: '/register',
    name: 'register',
    component: () => import('@/views/Register.vue'),
    meta: { title: '注册', guest: true },
  },
  { path: '/cart', name: 'cart', component: () => import('@/views/Cart.vue'), meta: { title: '购物车', auth: true } },
  { path: '/order', name: 'order', component: () => import('@/views/Order.vue'), meta: { title: '确认订单', auth: true } },
  {
    path: '/alipay',
    name: 'alipay',
    component: () => import('@/views/AliPaySuccess.vue'),
    meta: { title: '支付结果', auth: true },
  },
  {
    path: '/order/success/:orderNumber',
    name: 'order-success',
    component: () => import('@/views/AliPaySuccess.vue'),
    props: true,
    meta: { title: '支付成功', auth: true },
  },
  {
    path: '/user',
    component: () => import('@/views/user/UserLayout.vue'),
    meta: { auth: true },
    children: [
      { path: '', redirect: '/user/orders' },
      { path: 'orders', name: 'user-orders', component: () => import('@/views/user/UserOrders.vue'), meta: { title: '我的订单', auth: true } },
      { path: 'courses', name: 'user-courses', component: () => import('@/views/user/UserCourses.vue'), meta: { title: '我的课程', auth: true } },
      { path: 'wallet', name: 'user-wallet', component: () => import('@/views/user/UserWallet.vue'), meta: { title: '我的钱包', auth: true } },
      { path: 'credits', name: 'user-credits', component: () => import('@/views/user/UserCredits.vue'), meta: { title: '我的积分', auth: true } },
    ],
  },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('@/views/NotFound.vue'), meta: { title: '页面不存在' } },
]

/**
 * @param {{isLoggedIn: () => boolean, history?: import('vue-router').RouterHistory}} opts
 */
export function createAppRouter({ isLoggedIn, history = createWebHistory('/') }) {
  const router = createRouter({
    history,
    routes,
    // A new page starts at the top, Back returns where it was. Not on the first page of a visit: the browser is at
    // the top already, and scrolling there would force a layout in the middle of the first page's render.
    scrollBehavior: (to, from, saved) => saved || (from === START_LOCATION ? false : { top: 0 }),
  })
  router.beforeEach((to) => {
    if (to.matched.some((r) => r.meta.auth) && !isLoggedIn()) {
      return { path: '/login', query: { next: to.fullPath } }
    }
    return true
  })
  router.afterEach((to) => {
    const title = to.meta && to.meta.title
    document.title = title ? `${title} - 路飞学城` : '路飞学城'
  })
  return router
}

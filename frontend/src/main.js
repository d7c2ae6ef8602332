import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { ElMessage } from './plugins/message'

import App from './App.vue'
import './plugins/element'
import '@/styles/main.css'
import { createAppRouter } from './router'
import { prefetchPage } from './router/prefetch'
import { configureAuth, onApiEvent } from './api'
import { useAuthStore } from './stores/auth'
import { useCartStore } from './stores/cart'
import { useCatalogStore } from './stores/catalog'
import { takeEarly } from './utils/early'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)

const auth = useAuthStore(pinia)

// The api layer reads tokens through this getter; it never imports a store.
configureAuth({
  getAccessToken: () => auth.access,
  getRefreshToken: () => auth.refresh,
  setAccessToken: (token) => auth.setAccess(token),
  setRefreshToken: (token) => auth.setRefresh(token),
})

// Another tab refreshed (the refresh token rotates, the old one is refused) or logged out: use its tokens.
window.addEventListener('storage', (e) => {
  if (e.key === null || e.key.startsWith('luffy_')) auth.syncFromStorage()
})

const router = createAppRouter({ isLoggedIn: () => auth.isLoggedIn })
router.beforeEach((to) => {
  prefetchPage(to, pinia)
})

// Refresh failed: the session is over. Go to login and come back afterwards.
let expiredNotice = 0
onApiEvent('auth-expired', () => {
  const wasLoggedIn = auth.isLoggedIn
  auth.forget()
  useCartStore(pinia).reset()
  useCatalogStore(pinia).clearMine()
  const current = router.currentRoute.value
  if (Date.now() - expiredNotice > 3000 && wasLoggedIn) {
    expiredNotice = Date.now()
    ElMessage.warning('登录已过期，请重新登录')
  }
  // Only pages that need a login move; a public page simply shows the logged-out header.
  if (current.matched.some((r) => r.meta.auth)) {
    router.replace({ path: '/login', query: { next: current.fullPath } })
  }
})

app.use(router)

// index.html sent both GETs already when it found an access token (utils/early.js): their answers are these.
if (auth.isLoggedIn) {
  auth.loadMe({ early: takeEarly('/api/users/me/') }).catch(() => {})
  useCartStore(pinia).refreshCount({ early: takeEarly('/api/cart/') })
}

app.mount('#app')

import { defineStore } from 'pinia'
import { usersApi } from '@/api'

const ACCESS_KEY = 'luffy_access'
const REFRESH_KEY = 'luffy_refresh'

const storage = {
  get: (k) => {
    try {
      return window.localStorage.getItem(k)
    } catch {
      return null
    }
  },
  set: (k, v) => {
    try {
      if (v) window.localStorage.setItem(k, v)
      else window.localStorage.removeItem(k)
    } catch {
      /* private mode: keep the token in memory only */
    }
  },
}

export const useAuthStore = defineStore('auth', {
  state: () => ({
    access: storage.get(ACCESS_KEY),
    refresh: storage.get(REFRESH_KEY),
    user: null, // {id, mobile, name, credit, money}
  }),
  getters: {
    isLoggedIn: (s) => !!(s.access || s.refresh),
    displayName: (s) => (s.user && (s.user.name || s.user.mobile)) || '',
  },
  actions: {
    setTokens({ access, refresh }) {
      this.access = access || null
      if (refresh !== undefined) this.refresh = refresh || null
      storage.set(ACCESS_KEY, this.access)
      storage.set(REFRESH_KEY, this.refresh)
    },
    setAccess(access) {
      this.access = access || null
      storage.set(ACCESS_KEY, this.access)
    },
    async login(username, password) {
      const data = await usersApi.login(username, password)
      this.setTokens(data)
      await this.loadMe().catch(() => {})
      return data
    },
    async register(mobile, password, password2) {
      const data = await usersApi.register(mobile, password, password2)
      this.setTokens(data)
      await this.loadMe().catch(() => {})
      return data
    },
    async loadMe() {
      if (!this.isLoggedIn) return null
      this.user = await usersApi.fetchMe()
      return this.user
    },
    logout() {
      this.setTokens({ access: null, refresh: null })
      this.user = null
    },
  },
})

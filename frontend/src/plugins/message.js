// ElMessage for the files in the entry chunk (main.js, AppHeader): the notices they show (session expired,
// logged out) come after a user's action, never before the first page renders, so Element Plus's message
// component and its icons load then, as their own chunk, instead of with the first page.
const load = () => import('element-plus/es/components/message/index.mjs').then((m) => m.ElMessage)

const show = (type) => (options) => {
  load().then((ElMessage) => ElMessage[type](options))
}

export const ElMessage = { success: show('success'), warning: show('warning'), info: show('info'), error: show('error') }

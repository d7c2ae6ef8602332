// The two Element Plus icons the header (in the entry chunk) draws, as their own tiny components.
// @element-plus/icons-vue is one module holding every icon: importing it from the entry pulled every icon any
// page uses (and Element Plus's own) into the first page's JavaScript. Paths copied from icons-vue 2.3.2 (MIT).
import { defineComponent, h } from 'vue'

/** An icon as a tiny component of its own (a page may draw one this way too, e.g. checkout's Loading). */
export const icon = (name, d) =>
  defineComponent({
    name,
    render: () => h('svg', { xmlns: 'http://www.w3.org/2000/svg', viewBox: '0 0 1024 1024' }, [h('path', { fill: 'currentColor', d })]),
  })

export const ShoppingCart = icon(
  'ShoppingCart',
  'M432 928a48 48 0 1 1 0-96 48 48 0 0 1 0 96m320 0a48 48 0 1 1 0-96 48 48 0 0 1 0 96M96 128a32 32 0 0 1 0-64h160a32 32 0 0 1 31.36 25.728L320.64 256H928a32 32 0 0 1 31.296 38.72l-96 448A32 32 0 0 1 832 768H384a32 32 0 0 1-31.36-25.728L229.76 128zm314.24 576h395.904l82.304-384H333.44z',
)
export const User = icon(
  'User',
  'M512 512a192 192 0 1 0 0-384 192 192 0 0 0 0 384m0 64a256 256 0 1 1 0-512 256 256 0 0 1 0 512m320 320v-96a96 96 0 0 0-96-96H288a96 96 0 0 0-96 96v96a32 32 0 1 1-64 0v-96a160 160 0 0 1 160-160h448a160 160 0 0 1 160 160v96a32 32 0 1 1-64 0',
)

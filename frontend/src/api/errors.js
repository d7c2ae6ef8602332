// Turn an axios error into the text a view shows. The server's `errmsg` wins.

/** The stable machine code of an API error ({errmsg, code}), or ''. */
export function errorCode(error) {
  return (error && error.response && error.response.data && error.response.data.code) || ''
}

/** The JSON body of an API error, or {}. */
export function errorBody(error) {
  const data = error && error.response && error.response.data
  return data && typeof data === 'object' ? data : {}
}

function firstFieldMessage(data) {
  for (const value of Object.values(data)) {
    if (typeof value === 'string' && value) return value
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0]
  }
  return ''
}

/** Human message for a failed request: errmsg, else detail, else a field error, else a fallback. */
export function errorMessage(error, fallback = '操作失败，请稍后重试') {
  if (!error) return fallback
  const res = error.response
  if (!res) {
    if (error.code === 'ECONNABORTED') return '请求超时，请稍后重试'
    if (error.message === 'Network Error') return '网络连接失败，请检查网络'
    return error.message || fallback
  }
  const data = res.data
  if (data && typeof data === 'object') {
    if (data.errmsg) return String(data.errmsg)
    if (data.detail) return String(data.detail)
    const field = firstFieldMessage(data)
    if (field) return field
  }
  if (res.status >= 500) return `服务器开小差了（${res.status}），请稍后重试`
  return fallback
}

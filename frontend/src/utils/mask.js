/** "13800000000" -> "138****0000": the header shows who is logged in without the whole phone number. A mainland
 * mobile anywhere in the text is masked; other text is left as it is. */
export function maskMobile(value) {
  if (value === null || value === undefined) return ''
  return String(value).replace(/(^|\D)(1\d{2})\d{4}(\d{4})(?!\d)/g, '$1$2****$3')
}

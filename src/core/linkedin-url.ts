/**
 * The one spelling of a LinkedIn profile URL CAIO keys leads by: no scheme, no `www.` or country
 * subdomain, no query, fragment or trailing slash, lower case (`linkedin.com/in/jane-doe`).
 * Null when the value is not a linkedin.com URL.
 */
export function normaliseLinkedInUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  let v = value.trim().toLowerCase().replace(/^https?:\/\//, '');
  v = v.replace(/^(?:www|[a-z]{2})\./, '');
  v = (v.split(/[?#]/)[0] ?? '').replace(/\/+$/, '');
  return /^linkedin\.com\/[^\s]+$/.test(v) ? v : null;
}

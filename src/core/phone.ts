/**
 * A phone number from a provider as the call task shows it: trimmed, at most 40 characters, and
 * only when it has at least 6 digits (placeholders such as "N/A" or "0" are no number).
 */
export function cleanPhone(value: string | number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value).trim().slice(0, 40);
  return (text.match(/\d/g)?.length ?? 0) >= 6 ? text : null;
}

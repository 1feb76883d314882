const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The one spelling of an address CAIO keys things by (suppression, idempotency, visitors). */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** An address from outside (webhooks, spreadsheets): normalised, or null when it is not one. */
export function parseEmail(value: string | null | undefined): string | null {
  if (!value) return null;
  const v = normaliseEmail(value);
  return EMAIL.test(v) ? v : null;
}

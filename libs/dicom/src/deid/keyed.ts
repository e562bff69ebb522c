import { createHmac } from 'node:crypto';

/** Keyed, deterministic replacements: the same key gives the same values across files and studies. */
export function hmac(key: string, message: string): Buffer {
  return createHmac('sha256', key).update(message, 'utf8').digest();
}

/** UID' = "2.25." + decimal of the first 128 bits of HMAC-SHA256(key, UID). */
export function pseudonymUid(key: string, uid: string): string {
  const digest = hmac(key, uid).subarray(0, 16);
  return `2.25.${BigInt(`0x${digest.toString('hex')}`).toString(10)}`;
}

/** A patient pseudonym from the issuer and patient id (16 hex digits, upper case; fits LO and PN). */
export function pseudonymPatientId(key: string, patientId: string, issuer: string): string {
  return `MIC${hmac(key, `patient\\${issuer}\\${patientId}`).subarray(0, 8).toString('hex').toUpperCase()}`;
}

/** Days to move every date of one patient back by: 1 + HMAC(key, pseudonym) mod `range` (never zero). */
export function dateShiftDays(key: string, pseudonym: string, range = 3652): number {
  return 1 + (hmac(key, `dates\\${pseudonym}`).readUInt32BE(0) % range);
}

/** Shifts a DA value (YYYYMMDD) by whole days; other forms (partial dates, ranges) are removed by the caller. */
export function shiftDate(da: string, days: number): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(t)) return undefined;
  const d = new Date(t - days * 86_400_000);
  const y = d.getUTCFullYear();
  if (y < 1) return undefined;
  return `${String(y).padStart(4, '0')}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** Shifts the date part of a DT value; the time of day and UTC offset are kept, so time order is preserved. */
export function shiftDateTime(dt: string, days: number): string | undefined {
  const m = /^(\d{8})(.*)$/.exec(dt);
  if (!m) return undefined;
  const date = shiftDate(m[1], days);
  return date === undefined ? undefined : date + m[2];
}

/** Ages over 89 years become 090Y (HIPAA safe harbour). */
export function capAge(as: string): string | undefined {
  const m = /^(\d{3})([DWMY])$/.exec(as);
  if (!m) return undefined;
  const n = Number(m[1]);
  const years = { D: n / 365.25, W: (n * 7) / 365.25, M: n / 12, Y: n }[m[2] as 'D' | 'W' | 'M' | 'Y'];
  return years > 89 ? '090Y' : as;
}

/**
 * Số định danh cá nhân (CCCD), 12 digits: 3-digit province-of-birth code, 1 digit for century and
 * sex (0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s, 6/7 = 2200s, 8/9 = 2300s), 2 digits for
 * the year of birth, 6 random digits. There is no checksum, but the century digit and the year
 * must agree with the date of birth when both are known. The schema checks the shape.
 */

/** Year of birth encoded in a 12-digit citizen ID, or undefined when it is not 12 digits. */
export function birthYearFromCitizenId (id: string): number | undefined {
  if (!/^\d{12}$/.test(id)) return undefined
  const centuryDigit = Number(id[3])
  const century = 1900 + Math.floor(centuryDigit / 2) * 100
  return century + Number(id.slice(4, 6))
}

/** A reason when the citizen ID contradicts the date of birth (YYYY-MM-DD), else undefined. */
export function citizenIdBirthYearMismatch (id: string, dateOfBirth: string): string | undefined {
  const encoded = birthYearFromCitizenId(id)
  if (encoded === undefined || !/^\d{4}-/.test(dateOfBirth)) return undefined
  const year = Number(dateOfBirth.slice(0, 4))
  if (encoded === year) return undefined
  return `citizen ID encodes birth year ${encoded} (digits 4–6), but dateOfBirth is in ${year}`
}

/**
 * How a registration reads the case of its dossier codes (`coverage.codes`, docs/domain.md §2).
 * A system that stores some codes in lower case (`000.00.08.h47-250312-0007`, dossiers migrated
 * from an absorbed province) and finds them in any case declares `caseInsensitive: true`.
 */
export interface CodeCase {
  caseInsensitive: boolean;
}

/**
 * A code with its ASCII letters upper-cased and nothing else changed. In a standard code only the
 * agency part has letters (the date and the counter are digits), so this is the code with its
 * agency part upper-cased; in a non-standard code (a registration's `dossierCodePattern`) every
 * letter is. Letters outside a–z are left as they are: codes are ASCII, and `toUpperCase` would
 * turn `ß` into two letters.
 */
export function upperCaseCode(code: string): string {
  return code.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

/**
 * The one form under which the gateway keeps a dossier of a registration — its cache key, the key
 * its in-flight fetches, pushes and known states share, and the code it sends the system: the code
 * as given for a registration whose codes are matched letter for letter (the default), the code
 * upper-cased for one that declares `codes.caseInsensitive`, so that `…h47-…` and `…H47-…` are one
 * dossier.
 */
export function dossierKey(codes: CodeCase | undefined, code: string): string {
  return codes?.caseInsensitive === true ? upperCaseCode(code) : code;
}

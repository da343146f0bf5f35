import { z } from 'zod';
import { loadDataFile } from '../../platform/loadDataFile';

const fileSchema = z.strictObject({
  procedures: z.record(
    z.string().regex(/^\d\.\d{6}$/, 'a national procedure code such as 1.012346'),
    z.strictObject({
      name: z.string().min(1),
      parts: z
        .array(
          z.strictObject({
            /** The participating agency: its part is looked up in the system that serves it. */
            agency: z.string().min(1),
            /** How its part is named: the same dossier code as the part that names the procedure. */
            code: z.literal('same'),
          }),
        )
        .min(1),
    }),
  ),
});

export interface InterAgencyProcedure {
  code: string;
  name: string;
  parts: Array<{ agency: string; code: 'same' }>;
}

/**
 * Per-procedure inter-agency configuration (INTER_AGENCY_FILE, default data/inter-agency.yaml):
 * for procedures whose systems do not link their parts, which agencies take part and how their
 * part is found. Local procedure codes (`1.012346.000.00.00.H56`) match by their national code.
 */
export class InterAgencyProcedures {
  private constructor(private readonly byCode: ReadonlyMap<string, InterAgencyProcedure>) {}

  static empty(): InterAgencyProcedures {
    return new InterAgencyProcedures(new Map());
  }

  static async load(file: string): Promise<InterAgencyProcedures> {
    const data = await loadDataFile(file, fileSchema, 'the inter-agency configuration');
    return new InterAgencyProcedures(
      new Map(
        Object.entries(data.procedures).map(([code, procedure]) => [
          code,
          { code, name: procedure.name, parts: procedure.parts },
        ]),
      ),
    );
  }

  get(procedureCode: string | null): InterAgencyProcedure | undefined {
    if (procedureCode === null) return undefined;
    const national = /^\d\.\d{6}/.exec(procedureCode)?.[0];
    return national === undefined ? undefined : this.byCode.get(national);
  }
}

import type { AgencyDirectory } from '../../domain/AgencyDirectory';
import type { HolidayCalendar } from './HolidayCalendar';
import { judgeTimeliness, type Timeliness, type TimelinessInput } from './onTime';
import { DEFAULT_OFFICE_HOURS, WorkingTime, type OfficeHours } from './WorkingTime';

/**
 * Working time per agency: the holiday calendar with the agency's office hours (its own, else its
 * nearest parent's, else 07:00–11:30 and 13:30–17:00), and the on-time rule judged in it.
 */
export class WorkingTimeService {
  private readonly byHours = new Map<string, WorkingTime>();

  constructor(
    readonly calendar: HolidayCalendar,
    private readonly directory: AgencyDirectory,
    /** From how many supplement requests a dossier is late (the reports' rule of the same name). */
    private readonly lateFromSupplementRequests: number | null = 2,
  ) {}

  forAgency(code: string | null): WorkingTime {
    const hours = this.officeHours(code);
    const key = JSON.stringify(hours);
    let time = this.byHours.get(key);
    if (time === undefined) {
      time = new WorkingTime(this.calendar, hours);
      this.byHours.set(key, time);
    }
    return time;
  }

  /** Indicator 2.1's rule for `dossier` of `agencyCode`, judged at `at` for unfinished ones. */
  judge(dossier: TimelinessInput, agencyCode: string | null, at: Date): Timeliness {
    return judgeTimeliness(
      dossier,
      this.forAgency(agencyCode),
      at,
      this.lateFromSupplementRequests,
    );
  }

  private officeHours(code: string | null): OfficeHours {
    let agency = code === null ? undefined : this.directory.get(code);
    for (let depth = 0; agency !== undefined && depth < 10; depth += 1) {
      if (agency.officeHours) return agency.officeHours;
      agency = agency.parent === null ? undefined : this.directory.get(agency.parent);
    }
    return DEFAULT_OFFICE_HOURS;
  }
}

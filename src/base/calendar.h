/* calendar.h - proleptic Gregorian calendar arithmetic on day numbers
** (days since 1970-01-01), after Howard Hinnant's days_from_civil and
** civil_from_days: exact for every year representable, independent of the
** process's time zone and of timegm. Used by the article dates (ingest/)
** and the query language's dates (query/).
*/
#ifndef BL_CALENDAR_H
#define BL_CALENDAR_H

#include <stdint.h>

/* The day number of y-m-d (m 1..12, d 1..31; not checked). */
int64_t bl_days_from_civil(int64_t y, unsigned m, unsigned d);

/* The inverse: y-m-d of a day number. */
void bl_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Days in month m (1..12) of year y. */
unsigned bl_month_days(int64_t y, unsigned m);

#endif

//! 和暦 (the Japanese era calendar) for the 券面事項確認AP's birth-date key, which the card holds
//! as YYMMDD with the era year (card-evidence §5). Only the eras of living holders: 大正, 昭和,
//! 平成, 令和 (明治 ended in 1912). First days from the eras' proclamations: 大正 1912-07-30,
//! 昭和 1926-12-25, 平成 1989-01-08, 令和 2019-05-01.

use crate::four_info::Date;

/// (first day, era's first Gregorian year) in order; the next era's first day ends each.
const ERAS: [(Date, u16); 4] = [
    (d(1912, 7, 30), 1912),
    (d(1926, 12, 25), 1926),
    (d(1989, 1, 8), 1989),
    (d(2019, 5, 1), 2019),
];

const fn d(year: u16, month: u8, day: u8) -> Date {
    Date { year, month, day }
}

fn key(date: Date) -> (u16, u8, u8) {
    (date.year, date.month, date.day)
}

/// Whether era year `yy`, month `mm` and day `dd` name a real date in one of the eras.
pub(crate) fn is_real_date(yy: u8, mm: u8, dd: u8) -> bool {
    ERAS.iter().enumerate().any(|(i, &(start, first))| {
        let Some(date) = Date::new(first + u16::from(yy) - 1, mm, dd).filter(|_| yy > 0) else {
            return false;
        };
        let after_start = key(date) >= key(start);
        let before_next = ERAS
            .get(i + 1)
            .is_none_or(|(next, _)| key(date) < key(*next));
        after_start && before_next && era_yymmdd(date).is_some()
    })
}

/// `date` as the card's YYMMDD with the era year; `None` before 大正 or past era year 99.
pub(crate) fn era_yymmdd(date: Date) -> Option<String> {
    let (_, first) = ERAS
        .iter()
        .rev()
        .find(|(start, _)| key(date) >= key(*start))?;
    let yy = date.year - first + 1;
    (yy <= 99).then(|| format!("{yy:02}{:02}{:02}", date.month, date.day))
}

//! Dates and times: `date` and `date-time` (RFC 3501 section 9).

use std::fmt;

use crate::error::ValidationError;

/// A calendar date as used by SEARCH (`date`), validated on construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// A date, time and zone (`date-time`, as in INTERNALDATE and APPEND).
///
/// ```
/// use imap_wire::{Date, DateTime};
/// let dt = DateTime::new(Date::new(1996, 7, 17).unwrap(), 2, 44, 25, -7 * 60).unwrap();
/// assert_eq!(dt.to_string(), "17-Jul-1996 02:44:25 -0700");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DateTime {
    date: Date,
    hour: u8,
    minute: u8,
    second: u8,
    /// Offset east of UTC in minutes.
    zone_minutes: i16,
}

/// The month names of `date-month`.
pub(crate) const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

impl Date {
    /// A date; fails for days that do not exist or years outside 0..=9999.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date, ValidationError> {
        if year > 9999 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(ValidationError::OutOfRange("date"));
        }
        Ok(Date { year, month, day })
    }
    /// The year (0..=9999).
    pub fn year(&self) -> u16 {
        self.year
    }
    /// The month (1..=12).
    pub fn month(&self) -> u8 {
        self.month
    }
    /// The day of the month (1..=31).
    pub fn day(&self) -> u8 {
        self.day
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl DateTime {
    /// Validates the parts. Seconds up to 60 allow a leap second; the zone
    /// must fit `+hhmm` (at most 99:59).
    pub fn new(date: Date, hour: u8, minute: u8, second: u8, zone_minutes: i16) -> Result<DateTime, ValidationError> {
        if hour > 23 || minute > 59 || second > 60 || zone_minutes.unsigned_abs() > 99 * 60 + 59 {
            return Err(ValidationError::OutOfRange("time"));
        }
        Ok(DateTime { date, hour, minute, second, zone_minutes })
    }
    /// The date part.
    pub fn date(&self) -> Date {
        self.date
    }
    /// Hours (0..=23).
    pub fn hour(&self) -> u8 {
        self.hour
    }
    /// Minutes (0..=59).
    pub fn minute(&self) -> u8 {
        self.minute
    }
    /// Seconds (0..=60).
    pub fn second(&self) -> u8 {
        self.second
    }
    /// Zone offset east of UTC, in minutes.
    pub fn zone_minutes(&self) -> i16 {
        self.zone_minutes
    }
}

impl fmt::Display for Date {
    /// `date-text`: `1-Feb-1994`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{:04}", self.day, MONTHS[(self.month - 1) as usize % 12], self.year)
    }
}

impl fmt::Display for DateTime {
    /// The inside of `date-time` (without quotes), day padded to two digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.zone_minutes < 0 { '-' } else { '+' };
        let z = self.zone_minutes.unsigned_abs();
        write!(
            f,
            "{:02}-{}-{:04} {:02}:{:02}:{:02} {}{:02}{:02}",
            self.date.day,
            MONTHS[(self.date.month - 1) as usize % 12],
            self.date.year,
            self.hour,
            self.minute,
            self.second,
            sign,
            z / 60,
            z % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_validated() {
        assert!(Date::new(2024, 2, 29).is_ok());
        assert!(Date::new(2023, 2, 29).is_err());
        assert!(Date::new(1900, 2, 29).is_err());
        assert!(Date::new(2000, 2, 29).is_ok());
        assert!(Date::new(2000, 13, 1).is_err());
        assert!(DateTime::new(Date::new(2000, 1, 1).unwrap(), 24, 0, 0, 0).is_err());
        assert!(DateTime::new(Date::new(2000, 1, 1).unwrap(), 0, 0, 0, 6000).is_err());
    }
}

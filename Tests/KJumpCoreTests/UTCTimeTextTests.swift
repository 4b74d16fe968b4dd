import Testing
@testable import KJumpCore

@Suite struct UTCTimeTextTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01 00:00:00 UTC"),
        (1_796_452_040, "2026-12-05 06:27:20 UTC"),
        (951_782_400, "2000-02-29 00:00:00 UTC"),          // a leap day of a year divisible by 400
        (4_107_542_399, "2100-02-28 23:59:59 UTC"),        // 2100 is no leap year
        (4_107_542_400, "2100-03-01 00:00:00 UTC"),
        (-86_400, "1969-12-31 00:00:00 UTC"),
        (-1, "1969-12-31 23:59:59 UTC"),
    ])
    func unixTimesReadAsDates(seconds: Int64, expected: String) {
        #expect(UTCTimeText.text(unixSeconds: seconds) == expected)
    }

    @Test func everyDayOfFourHundredYearsFollowsTheDayBefore() {
        // Days run on without gaps or repeats: each date is the one after the last.
        var previous = UTCTimeText.civilDate(daysSinceEpoch: -1)
        for day in Int64(0)..<146_097 {
            let date = UTCTimeText.civilDate(daysSinceEpoch: day)
            let nextDay = previous.day + 1, nextMonth = previous.month + 1
            let continues = (date.year == previous.year && date.month == previous.month && date.day == nextDay)
                || (date.year == previous.year && date.month == nextMonth && date.day == 1)
                || (date.year == previous.year + 1 && previous.month == 12 && date.month == 1 && date.day == 1)
            #expect(continues, "day \(day): \(date) after \(previous)")
            if date.month != previous.month {
                let leap = previous.year % 4 == 0 && (previous.year % 100 != 0 || previous.year % 400 == 0)
                let length: Int64 = previous.month == 2 ? (leap ? 29 : 28) : ([4, 6, 9, 11].contains(previous.month) ? 30 : 31)
                #expect(previous.day == length, "\(previous) ends its month")
            }
            if !continues { return }
            previous = date
        }
    }
}

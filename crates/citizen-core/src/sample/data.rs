//! Word lists for realistic sample values: Hebrew first and last names (with a
//! Latin spelling for e-mail addresses), cities, streets and clerk's notes.
//! Every string here is representable in windows-1255.

/// Hebrew first names and a Latin spelling.
pub(crate) const FIRST_NAMES: &[(&str, &str)] = &[
    ("נועה", "noa"),
    ("תמר", "tamar"),
    ("מאיה", "maya"),
    ("יעל", "yael"),
    ("שרה", "sara"),
    ("רחל", "rachel"),
    ("מיכל", "michal"),
    ("אביגיל", "avigail"),
    ("אסתר", "ester"),
    ("רבקה", "rivka"),
    ("חנה", "hana"),
    ("דנה", "dana"),
    ("שירה", "shira"),
    ("אורית", "orit"),
    ("רונית", "ronit"),
    ("מרים", "miriam"),
    ("פאטמה", "fatma"),
    ("סבטלנה", "svetlana"),
    ("יוסף", "yosef"),
    ("דוד", "david"),
    ("משה", "moshe"),
    ("אברהם", "avraham"),
    ("יצחק", "yitzhak"),
    ("יעקב", "yaakov"),
    ("אריאל", "ariel"),
    ("איתי", "itai"),
    ("נועם", "noam"),
    ("עומר", "omer"),
    ("אורי", "uri"),
    ("דניאל", "daniel"),
    ("אליהו", "eliyahu"),
    ("מוחמד", "mohammad"),
    ("אחמד", "ahmad"),
    ("יונתן", "yonatan"),
    ("גיא", "guy"),
    ("עידו", "ido"),
    ("ג'ורג'", "george"),
    ("ולדימיר", "vladimir"),
];

/// Hebrew last names and a Latin spelling.
pub(crate) const LAST_NAMES: &[(&str, &str)] = &[
    ("כהן", "cohen"),
    ("לוי", "levi"),
    ("מזרחי", "mizrahi"),
    ("פרץ", "peretz"),
    ("ביטון", "biton"),
    ("דהן", "dahan"),
    ("אברהם", "avraham"),
    ("פרידמן", "friedman"),
    ("אזולאי", "azulay"),
    ("מלכה", "malka"),
    ("כץ", "katz"),
    ("יוסף", "yosef"),
    ("חדד", "hadad"),
    ("גבאי", "gabay"),
    ("שפירא", "shapira"),
    ("אוחיון", "ohayon"),
    ("בן דוד", "bendavid"),
    ("עמר", "amar"),
    ("רוזנברג", "rosenberg"),
    ("חביב", "habib"),
    ("סלאמה", "salame"),
    ("אלון", "alon"),
    ("שטרן", "stern"),
    ("גולן", "golan"),
    ("נחום", "nachum"),
    ("ויס", "weiss"),
    ("בוזגלו", "buzaglo"),
    ("טל", "tal"),
    ("ששון", "sasson"),
    ("אבו חמד", "abuhamad"),
    ("איבנוב", "ivanov"),
];

/// Mail domains for generated addresses.
pub(crate) const MAIL_DOMAINS: &[&str] =
    &["gmail.com", "walla.co.il", "hotmail.com", "bezeqint.net", "012.net.il", "yahoo.com", "example.org"];

/// Cities and towns.
pub(crate) const CITIES: &[&str] =
    &["ירושלים", "תל אביב-יפו", "חיפה", "באר שבע", "נתניה", "אשדוד", "פתח תקווה", "חולון", "רמת גן", "אשקלון"];

/// Neighbourhoods (of several cities: a sample names no real municipality).
pub(crate) const NEIGHBOURHOODS: &[&str] = &[
    "מרכז העיר",
    "העיר העתיקה",
    "נווה שאנן",
    "רמות",
    "גילה",
    "קטמון",
    "בית הכרם",
    "הדר",
    "נווה עוז",
    "שכונת התקווה",
    "רמת אביב",
    "נאות אפקה",
    "קריית משה",
    "שיכון ותיקים",
    "גבעת הרקפות",
    "נווה צדק",
];

/// Street names.
pub(crate) const STREETS: &[&str] = &[
    "הרצל",
    "ז'בוטינסקי",
    "בן יהודה",
    "רוטשילד",
    "ויצמן",
    "הנביאים",
    "יפו",
    "העצמאות",
    "בן גוריון",
    "אלנבי",
    "הגפן",
    "שד' ירושלים",
];

/// Free-text notes a clerk writes (some with commas and quotes, to exercise CSV quoting).
pub(crate) const NOTES: &[&str] = &[
    "מקבל סיוע חודשי",
    "נדרש ביקור בית",
    "גר לבד",
    "קומה שלישית, ללא מעלית",
    "יש לתאם מראש",
    "נא להתקשר בבוקר, לא בערב",
    "בן משפחה מלווה",
    "עבר דירה לאחרונה",
    "מפתח אצל השכן \"משה\"",
    "לבדוק שוב בחודש הבא",
];

/// Short Hebrew words for text columns with no more telling name.
pub(crate) const WORDS: &[&str] = &["כללי", "רגיל", "בטיפול", "מעקב", "דחוף", "שגרתי", "חדש", "ותיק"];

/// Words a clerk might write where a listed value was expected.
pub(crate) const NOT_ALLOWED: &[&str] = &["לא ידוע", "בבדיקה", "other", "אחר-", "?"];

/// Hebrew letters, for strings of a given length.
pub(crate) const LETTERS: &[char] =
    &['א', 'ב', 'ג', 'ד', 'ה', 'ו', 'ז', 'ח', 'ט', 'י', 'כ', 'ל', 'מ', 'נ', 'ס', 'ע', 'פ', 'צ', 'ק', 'ר', 'ש', 'ת'];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_fits_windows_1255() {
        let lists: [&[&str]; 7] = [MAIL_DOMAINS, CITIES, NEIGHBOURHOODS, STREETS, NOTES, WORDS, NOT_ALLOWED];
        let names = FIRST_NAMES.iter().chain(LAST_NAMES).flat_map(|(he, en)| [*he, *en]);
        for word in lists.iter().flat_map(|l| l.iter().copied()).chain(names) {
            let (_, _, unmappable) = encoding_rs::WINDOWS_1255.encode(word);
            assert!(!unmappable, "{word}");
        }
    }
}

//! Spreadsheets people send to Setu (a municipality's ward profile, a survey exported from ODK
//! Collect or KoboToolbox, a plain sheet typed by hand): a CSV or an XLSX file read into rows of
//! text, each with the line a person sees in their spreadsheet program, so that every refused
//! row can be named by its line and column.
//!
//! Pure: bytes in, rows out. The checks of what the rows mean live with their domain
//! (`setu-core`); this crate only reads.

use std::fmt;
use std::io::Cursor;

pub use setu_core::sheet::{Row, Sheet};

/// The most rows a sheet may hold: a municipality's survey is hundreds of rows, a national
/// one tens of thousands; more is a mistake (or an attack) and is refused before it is read.
pub const MAX_ROWS: usize = 100_000;

/// Why a file could not be read as a sheet at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetError {
    /// Nothing in it, or no header row.
    Empty,
    /// Neither CSV text (UTF-8) nor an XLSX workbook.
    Format,
    /// A CSV line that is not valid UTF-8 or not valid CSV.
    Line(usize),
    /// More than [`MAX_ROWS`] rows.
    TooManyRows,
}

impl fmt::Display for SheetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "the file has no header row"),
            Self::Format => write!(f, "the file is neither CSV (UTF-8) nor XLSX"),
            Self::Line(l) => write!(f, "line {l} is not readable CSV text (UTF-8)"),
            Self::TooManyRows => write!(f, "the file has more than {MAX_ROWS} rows"),
        }
    }
}

impl std::error::Error for SheetError {}

impl SheetError {
    /// The interface message id that says what is wrong.
    pub fn message_id(&self) -> &'static str {
        match self {
            Self::Empty => "error-sheet-empty",
            Self::Format => "error-sheet-format",
            Self::Line(_) => "error-sheet-line",
            Self::TooManyRows => "error-sheet-too-many",
        }
    }
}

/// Reads a CSV or XLSX file (told apart by its first bytes: an XLSX is a zip archive).
pub fn read(bytes: &[u8]) -> Result<Sheet, SheetError> {
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, SheetError> {
    // A UTF-8 byte-order mark, as Excel writes, is not part of the first column's name.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    // A spreadsheet program shows a CSV record per row, blank lines as empty rows, and a cell
    // with line breaks inside quotes as one row: rows are counted that way, not text lines.
    let mut lines = Vec::new();
    let mut row = 0usize;
    let mut record = csv::ByteRecord::new();
    loop {
        let line_of = |e: &csv::Error| e.position().map_or(row + 1, |p| p.line() as usize);
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(SheetError::Line(line_of(&e))),
        }
        // The record's position is where the reader began, before any blank lines it skipped.
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let blanks = bytes.get(start..).map_or(0, |rest| {
            rest.iter()
                .take_while(|b| matches!(b, b'\n' | b'\r'))
                .filter(|b| **b == b'\n')
                .count()
        });
        row += 1 + blanks;
        let mut cells = Vec::with_capacity(record.len());
        for field in record.iter() {
            let text = std::str::from_utf8(field).map_err(|_| SheetError::Line(row))?;
            cells.push(text.to_owned());
        }
        lines.push((row, cells));
        if lines.len() > MAX_ROWS + 1 {
            return Err(SheetError::TooManyRows);
        }
    }
    assemble(lines)
}

fn read_xlsx(bytes: &[u8]) -> Result<Sheet, SheetError> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes.to_vec())).map_err(|_| SheetError::Format)?;
    let range = match book.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        Some(Err(_)) => return Err(SheetError::Format),
        None => return Err(SheetError::Empty),
    };
    if range.height() > MAX_ROWS + 1 {
        return Err(SheetError::TooManyRows);
    }
    // The range starts at its first used cell; lines count from the sheet's first row.
    let first = range.start().map_or(0, |(row, _)| row as usize);
    let lines = range
        .rows()
        .enumerate()
        .map(|(i, row)| (first + i + 1, row.iter().map(cell_text).collect()))
        .collect();
    assemble(lines)
}

/// A cell as the text a person would have typed: whole numbers without ".0", dates as
/// ISO days (what ODK and Kobo write in their CSV exports).
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(d) if !d.is_duration() => excel_day(d.as_f64()),
        Data::Error(_) => String::new(),
        other => other.to_string(),
    }
}

/// An Excel serial day number (days since 1899-12-30, the 1900 system) as an ISO day.
fn excel_day(serial: f64) -> String {
    // Days from 1970-01-01, then the civil calendar (Howard Hinnant's days_from_civil inverse).
    let z = serial.floor() as i64 - 25_569 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The first non-empty row is the header; blank rows under it are skipped; every row is cut or
/// padded to the header's width.
fn assemble(lines: Vec<(usize, Vec<String>)>) -> Result<Sheet, SheetError> {
    let blank = |cells: &[String]| cells.iter().all(|c| c.trim().is_empty());
    let mut lines = lines.into_iter().filter(|(_, cells)| !blank(cells));
    let (_, header) = lines.next().ok_or(SheetError::Empty)?;
    let header: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    let width = header.len();
    let rows = lines
        .map(|(line, cells)| {
            let mut cells: Vec<String> = cells.iter().map(|c| c.trim().to_owned()).collect();
            cells.resize(width, String::new());
            Row { line, cells }
        })
        .collect();
    Ok(Sheet { header, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_keep_the_line_a_person_sees() {
        let text = "\u{feff}Ward No,Population\n1,4200\n\n2,\"3,900\"\n";
        let sheet = read(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sheet.header, ["Ward No", "Population"]);
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(sheet.rows[1].line, 4);
        assert_eq!(sheet.rows[1].cells, ["2", "3,900"]);
        assert_eq!(sheet.column(&["ward_no", "ward"]), Some(0));
        assert_eq!(sheet.column(&["households"]), None);
    }

    #[test]
    fn short_rows_are_padded_and_bad_bytes_named_by_line() {
        let sheet = read(b"a,b,c\n1\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sheet.rows[0].cells, ["1", "", ""]);
        assert_eq!(read(b"a,b\n1,2\n\xff,3\n"), Err(SheetError::Line(3)));
        assert_eq!(read(b"\n \n"), Err(SheetError::Empty));
        assert_eq!(read(b"PK\x03\x04 not a workbook"), Err(SheetError::Format));
    }

    #[test]
    fn an_xlsx_is_read_with_numbers_and_days_as_typed() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let day = Format::new().set_num_format("yyyy-mm-dd");
        let write = |r: Result<&mut rust_xlsxwriter::Worksheet, _>| {
            r.unwrap_or_else(|e: rust_xlsxwriter::XlsxError| panic!("{e}"));
        };
        write(sheet.write_string(1, 0, "ward"));
        write(sheet.write_string(1, 1, "population"));
        write(sheet.write_string(1, 2, "day"));
        write(sheet.write_number(2, 0, 3.0));
        write(sheet.write_number(2, 1, 4512.0));
        let d = ExcelDateTime::from_ymd(2024, 7, 16).unwrap_or_else(|e| panic!("{e}"));
        write(sheet.write_datetime_with_format(2, 2, &d, &day));
        write(sheet.write_string(4, 0, "४"));
        let bytes = book.save_to_buffer().unwrap_or_else(|e| panic!("{e}"));
        let sheet = read(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sheet.header, ["ward", "population", "day"]);
        assert_eq!(sheet.rows[0].line, 3);
        assert_eq!(sheet.rows[0].cells, ["3", "4512", "2024-07-16"]);
        assert_eq!(sheet.rows[1].line, 5);
        assert_eq!(sheet.rows[1].cells, ["४", "", ""]);
    }

    #[test]
    fn excel_days_are_calendar_days() {
        assert_eq!(excel_day(1.0), "1899-12-31");
        assert_eq!(excel_day(45_489.0), "2024-07-16");
        assert_eq!(excel_day(60.5), "1900-02-28");
    }
}

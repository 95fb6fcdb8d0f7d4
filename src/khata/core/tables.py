"""Reading spreadsheets people actually have: CSV with any delimiter and encoding, and XLSX.

`read_table(data, filename)` returns the header row and the data rows as strings, or raises
`TableError` with a sentence for the user. Nothing here knows about companies or products.
"""

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _

MAX_BYTES = 100 * 1024 * 1024
MAX_ROWS = 2_000_000
DELIMITERS = ",;\t|"
COMMON_ENCODINGS = ["cp1252", "cp1250", "cp1251", "latin_1", "utf_16", "mac_roman"]


class TableError(ValueError):
    """The file cannot be read as a table; the message says why, for the user."""


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    encoding: str = ""
    delimiter: str = ""


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 (with or without BOM) first, else the best detected guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Exports from Western spreadsheets are cp1252 far more often than anything else; a short
    # sample scores many code pages alike, so cp1252 wins unless another is clearly better.
    results = from_bytes(data[:200_000], cp_isolation=COMMON_ENCODINGS)
    best = results.best()
    encoding = best.encoding if best is not None else "cp1252"
    western = next((match for match in results if match.encoding == "cp1252"), None)
    if western is not None and best is not None and western.chaos <= best.chaos + 0.1:
        encoding = "cp1252"
    if encoding in {"ascii", "latin_1", "iso8859_1"}:
        encoding = "cp1252"  # a superset that also has € and smart quotes
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        return data.decode("latin-1"), "latin-1"


def _sniff_delimiter(text: str) -> str:
    sample = text[:50_000]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first_line = sample.splitlines()[0] if sample.splitlines() else ""
        counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise TableError(_("This is not a readable Excel (.xlsx) file.")) from exc
    sheet = workbook.worksheets[0]
    rows = [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return _table(rows)


def _table(rows: list[list[str]], **extra) -> Table:
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise TableError(_("The file is empty."))
    headers = [header.strip() for header in rows[0]]
    if len([header for header in headers if header]) < 1 or len(rows) < 2:
        raise TableError(_("The file has a header row but no data rows."))
    if len(rows) - 1 > MAX_ROWS:
        raise TableError(_("The file has more than %(n)s rows; split it.") % {"n": MAX_ROWS})
    width = len(headers)
    body = [(row + [""] * width)[:width] if len(row) != width else row for row in rows[1:]]
    return Table(headers=headers, rows=body, **extra)


def read_table(data: bytes, filename: str = "") -> Table:
    """Read an uploaded CSV or XLSX file into a header row and string rows."""
    if not data:
        raise TableError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise TableError(_("The file is larger than %(mb)s MB; split it.")
                         % {"mb": MAX_BYTES // (1024 * 1024)})
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    if b"\x00" in data[:4096]:
        raise TableError(_("This is not a text table (CSV) or an Excel (.xlsx) file."))
    text, encoding = decode(data)
    delimiter = _sniff_delimiter(text)
    rows = [[cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    return _table(rows, encoding=encoding, delimiter=delimiter)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-][\d\s().,-]*$")  # +91 98200 12345, -5, -12.50


def safe_cell(value):
    """A CSV value a spreadsheet shows as text: "=HYPERLINK(…)" typed into a note must not
    run as a formula in the head's Excel (OWASP "CSV injection"). Phone numbers and signed
    numbers stay as they are."""
    if (isinstance(value, str) and value.startswith(FORMULA_STARTS)
            and not PLAIN_NUMBER.match(value)):
        return "'" + value
    return value


def write_csv(headers: list[str], rows: list[list]) -> bytes:
    """A UTF-8 CSV with BOM (so Excel opens Devanagari correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_lines(headers: list[str], rows) -> Iterable[str]:
    """A CSV as a stream of lines (BOM first), for exports too big to hold in memory."""
    class _Line:
        def write(self, value):
            return value

    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(headers)
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def write_xlsx(headers: list[str], rows, *, title: str = "Export") -> bytes:
    """An .xlsx workbook with one sheet (write-only mode: memory stays flat)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(headers)

    def cell(value):
        if isinstance(value, str) and value.startswith("="):
            text = WriteOnlyCell(sheet, value="")
            text.value, text.data_type = value, "s"  # text, never a formula
            return text
        return value

    for row in rows:
        sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

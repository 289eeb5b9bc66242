"""CSV files that spreadsheets open safely. A cell that starts with = + - @, a tab or a carriage
return is read by Excel, LibreOffice and Google Sheets as a formula (OWASP "CSV injection");
suspects choose their own sign-up names and organisations, and a browser its User-Agent. Such
cells get a leading single quote, which makes the spreadsheet show the text as it is. Every CSV
Quarry writes goes through csv_row(); JSON files stay exact."""

from collections.abc import Iterable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_row(values: Iterable) -> list:
    return [csv_cell(v) for v in values]

"""CSV files that open in the reader's spreadsheet: Russian Excel splits on ``;`` and reads ``1234,50`` as a number.

A Russian download starts with a UTF-8 byte-order mark (without it Excel reads the Cyrillic as cp1251), uses
``;`` between cells and decimal commas; an English one is plain comma-separated UTF-8.
"""

import csv
from dataclasses import dataclass
from decimal import Decimal

from studio_crm.formatting import language

BOM = "\ufeff"


@dataclass(frozen=True)
class SheetFormat:
    delimiter: str
    decimal_separator: str
    bom: str

    def writer(self, stream):
        return csv.writer(stream, delimiter=self.delimiter, lineterminator="\r\n")

    def number(self, value) -> str:
        """A figure as the spreadsheet reads it: ``1234,50`` (ru), ``1234.50`` (en); no grouping."""
        if value is None or value == "":
            return ""
        text = f"{Decimal(value):.2f}" if isinstance(value, Decimal | float) else str(value)
        return text.replace(".", self.decimal_separator)


RUSSIAN = SheetFormat(delimiter=";", decimal_separator=",", bom=BOM)
ENGLISH = SheetFormat(delimiter=",", decimal_separator=".", bom="")


def sheet_format() -> SheetFormat:
    """The format for the active language."""
    return RUSSIAN if language() == "ru" else ENGLISH

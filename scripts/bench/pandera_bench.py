#!/usr/bin/env python3
"""The old approach, timed for `make bench`: pandas + pandera validating a
welfare_patients file the way the municipality's one-off scripts did.

Modes:
  fastest  pandas.read_csv(engine="pyarrow", dtype=str) and the fastest honest
           schema: every check vectorised (one pd.to_datetime per date form,
           the Israeli ID check digit with numpy, phones by regex, allowed values
           by isin, uniqueness by duplicated).
  coerce   the straightforward schema a developer writes first: dates as
           pa.DateTime with coerce=True, per-element ID check, built-in checks.
           Slow on files with errors (about 95 s for 1M rows).
  xlsx     pandas.read_excel(engine="calamine", dtype=str) + the fastest schema.
  read-csv, read-xlsx
           the reading step alone, for reference.

Prints one JSON object: seconds (after imports: reading + validating +
counting), rows, summary (issue counts by SPEC code), invalid_rows, warnings.
"""

import json
import re
import sys
import time
import warnings

import numpy as np
import pandas as pd

try:
    import pandera.pandas as pa
except ImportError:  # pandera < 0.24
    import pandera as pa

warnings.filterwarnings("ignore")

# Contract names by every accepted header (contracts/welfare_patients.yaml).
HEADERS = {
    "citizen_id": "citizen_id", "ת.ז.": "citizen_id", "ת.ז": "citizen_id", "תעודת זהות": "citizen_id",
    "מספר זהות": "citizen_id",
    "first_name": "first_name", "שם פרטי": "first_name",
    "last_name": "last_name", "שם משפחה": "last_name",
    "birth_date": "birth_date", "תאריך לידה": "birth_date",
    "gender": "gender", "מין": "gender",
    "welfare_status": "welfare_status", "סטטוס": "welfare_status", "סטטוס טיפול": "welfare_status",
    "street_code": "street_code", "קוד רחוב": "street_code", "סמל רחוב": "street_code",
    "building_number": "building_number", "מספר בית": "building_number", "בית": "building_number",
    "apartment_number": "apartment_number", "דירה": "apartment_number", "מספר דירה": "apartment_number",
    "phone_1": "phone_1", "טלפון 1": "phone_1", "טלפון": "phone_1",
    "phone_2": "phone_2", "טלפון 2": "phone_2", "נייד": "phone_2",
    "phone_3": "phone_3", "טלפון 3": "phone_3",
    "email": "email", "דואר אלקטרוני": "email", "אימייל": "email",
}
WARNING_COLUMNS = {"phone_3", "email"}
DATE_FORMS = ["%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S"]
BIRTH_MIN, BIRTH_MAX = pd.Timestamp("1900-01-01"), pd.Timestamp("2026-12-31")
# IL numbers after dropping spaces, dashes and brackets (the IL metadata's
# mobile and landline national numbers, with 0 or +972 in front).
PHONE_RE = r"(?:\+972|0)(?:5(?:[0-2][02-9]|[36]\d|[49][2-9]|8[3-7])\d{6}|(?:2[0-8]|[3489]\d)\d{6})"
# No \s or look-arounds in these patterns: they would push pandas from
# pyarrow's RE2 engine to Python's re, element by element.
EMAIL_RE = r"[^@ \t<>]+@[^@ \t<>]+\.[A-Za-z]{2,}"
ID_WEIGHTS = np.array([1, 2, 1, 2, 1, 2, 1, 2, 1])


def read(path, mode):
    if mode == "xlsx":
        df = pd.read_excel(path, engine="calamine", dtype=str)
    else:
        try:
            df = pd.read_csv(path, dtype=str, engine="pyarrow", keep_default_na=False, na_values=[""])
        except Exception:  # an older pyarrow: the C parser
            df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    df.columns = [HEADERS.get(str(c).lstrip("\ufeff").strip().lower(), str(c)) for c in df.columns]
    return df


def tidy(df):
    """Trims every cell; whitespace-only cells become empty (SPEC §3)."""
    for column in df.columns:
        s = df[column].str.strip()
        df[column] = s.mask(s == "")
    return df


def code(s):
    """Excel 123.0 -> "123" (no back-references: they leave pyarrow's fast regex engine)."""
    whole = s.str.fullmatch(r"\d+\.0").fillna(False).astype(bool)
    return s.mask(whole, s.str.slice(stop=-2))


def id_valid(s):
    """Israeli ID check digit, vectorised: 5-9 digits, padded to 9, Luhn-like sum % 10."""
    s = s.str.replace(r"^(\d+)-(\d)$", r"\1\2", regex=True)
    shape = s.str.fullmatch(r"\d{5,9}").fillna(False).astype(bool)
    padded = s.where(shape, "000000000").str.zfill(9)
    digits = np.frombuffer(padded.str.cat().encode("ascii"), dtype=np.uint8).reshape(-1, 9) - 48
    products = digits * ID_WEIGHTS
    products = np.where(products > 9, products - 9, products)
    ok = (products.sum(axis=1) % 10 == 0) & (digits.sum(axis=1) > 0)
    return pd.Series(ok, index=s.index) & shape, padded


def parse_dates(s):
    """One vectorised to_datetime per accepted form, first match wins."""
    parsed = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    for form in DATE_FORMS:
        todo = parsed.isna() & s.notna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(s[todo], format=form, errors="coerce")
    return parsed


def phone_ok(s):
    return s.str.replace(r"[ ()-]+", "", regex=True).str.fullmatch(PHONE_RE)


def fastest_schema():
    """Every check is a vectorised Series -> bool Series."""
    ok_or_na = lambda f: (lambda s: f(s) | s.isna())  # noqa: E731
    checks = {
        "max_length": pa.Check(ok_or_na(lambda s: s.str.len() <= 50), name="max_length"),
        "gender": pa.Check(ok_or_na(lambda s: s.isin(["ז", "נ"])), name="allowed"),
        "status": pa.Check(ok_or_na(lambda s: s.isin(["פעיל", "סגור", "ממתין"])), name="allowed"),
        "pattern": pa.Check(ok_or_na(lambda s: code(s).str.fullmatch(r"[0-9]{1,5}").astype(bool)), name="pattern"),
        "phone": pa.Check(ok_or_na(lambda s: phone_ok(s).fillna(False).astype(bool)), name="phone"),
        "email": pa.Check(ok_or_na(lambda s: s.str.fullmatch(EMAIL_RE).fillna(False).astype(bool)), name="email"),
    }
    text = lambda name, required=False, extra=(): pa.Column(str, nullable=not required, checks=list(extra), required=True)  # noqa: E731
    return pa.DataFrameSchema(
        {
            "citizen_id": text("citizen_id", True),
            "first_name": text("first_name", True, [checks["max_length"]]),
            "last_name": text("last_name", True, [checks["max_length"]]),
            "birth_date": text("birth_date"),
            "birth_date__parsed": pa.Column(
                "datetime64[ns]", nullable=True,
                checks=[pa.Check(lambda s: (s >= BIRTH_MIN) | s.isna(), name="min"),
                        pa.Check(lambda s: (s <= BIRTH_MAX) | s.isna(), name="max")],
            ),
            "gender": text("gender", False, [checks["gender"]]),
            "welfare_status": text("welfare_status", True, [checks["status"]]),
            "street_code": text("street_code", True, [checks["pattern"]]),
            "building_number": text("building_number"),
            "apartment_number": text("apartment_number"),
            "phone_1": text("phone_1", False, [checks["phone"]]),
            "phone_2": text("phone_2", False, [checks["phone"]]),
            "phone_3": text("phone_3", False, [checks["phone"]]),
            "email": text("email", False, [checks["email"]]),
            "citizen_id__key": pa.Column(str, nullable=True, checks=[pa.Check(
                lambda s: ~(s.duplicated(keep="first") & s.notna()), name="duplicate_key")]),
        },
        checks=[
            pa.Check(lambda df: df["birth_date"].isna() | df["birth_date__parsed"].notna(), name="type"),
            # The check digit was computed once, vectorised, while preparing the key.
            pa.Check(lambda df: df["citizen_id"].isna() | df["citizen_id__key"].notna(), name="israeli_id"),
        ],
    )


def prepare_fastest(df):
    df = tidy(df)
    df["birth_date__parsed"] = parse_dates(df["birth_date"])
    valid, padded = id_valid(df["citizen_id"])
    df["citizen_id__key"] = padded.where(valid & df["citizen_id"].notna())
    return df


def straightforward_schema():
    """What a developer writes first: built-in checks, coercing dates, per-element ID check."""

    def id_element(value):
        value = str(value).strip().replace("-", "")
        if not value.isdigit() or not 5 <= len(value) <= 9:
            return False
        total = 0
        for i, ch in enumerate(value.zfill(9)):
            p = int(ch) * (1 + i % 2)
            total += p - 9 if p > 9 else p
        return total % 10 == 0 and int(value) != 0

    phone = pa.Check(lambda v: re.fullmatch(PHONE_RE, re.sub(r"[\s\-()]", "", v)) is not None,
                     element_wise=True, name="phone")
    return pa.DataFrameSchema(
        {
            "citizen_id": pa.Column(str, checks=pa.Check(id_element, element_wise=True, name="israeli_id"),
                                    unique=True),
            "first_name": pa.Column(str, checks=pa.Check.str_length(max_value=50)),
            "last_name": pa.Column(str, checks=pa.Check.str_length(max_value=50)),
            "birth_date": pa.Column(pa.DateTime, coerce=True, nullable=True,
                                    checks=[pa.Check.ge(BIRTH_MIN), pa.Check.le(BIRTH_MAX)]),
            "gender": pa.Column(str, nullable=True, checks=pa.Check.isin(["ז", "נ"])),
            "welfare_status": pa.Column(str, checks=pa.Check.isin(["פעיל", "סגור", "ממתין"])),
            "street_code": pa.Column(str, checks=pa.Check.str_matches(r"^[0-9]{1,5}(\.0)?$")),
            "building_number": pa.Column(str, nullable=True),
            "apartment_number": pa.Column(str, nullable=True),
            "phone_1": pa.Column(str, nullable=True, checks=phone),
            "phone_2": pa.Column(str, nullable=True, checks=phone),
            "phone_3": pa.Column(str, nullable=True, checks=phone),
            "email": pa.Column(str, nullable=True, checks=pa.Check.str_matches(EMAIL_RE)),
        }
    )


CODES = {
    "not_nullable": "required", "field_uniqueness": "duplicate_key", "str_length(None, 50)": "max_length",
    "greater_than_or_equal_to(1900-01-01 00:00:00)": "min",
    "less_than_or_equal_to(2026-12-31 00:00:00)": "max",
}


def code_of(column, check):
    """The SPEC issue code a pandera failure stands for."""
    if check.startswith("coerce_dtype"):
        return "type"
    if check.startswith("dtype("):
        return None  # the same cells again, after a failed coercion
    if check.startswith("isin"):
        return "allowed"
    if check.startswith("str_matches"):
        return "email" if column == "email" else "pattern"
    return CODES.get(check, check)


def summarise(error):
    """Issue counts by code, invalid rows and warnings from pandera's failure cases."""
    if error is None:
        return {}, 0, 0
    cases = error.failure_cases
    summary, bad_rows, warn = {}, set(), 0
    frame_level = cases["schema_context"].astype(str) == "DataFrameSchema"
    # A DataFrame-wide check lists every column of a failing row: count rows once.
    for check, group in cases[frame_level].groupby("check"):
        rows = set(group["index"].dropna().astype(int).tolist())
        summary[str(check)] = summary.get(str(check), 0) + len(rows)
        bad_rows |= rows
    for (column, check), group in cases[~frame_level].groupby(["column", "check"], dropna=False):
        code = code_of(column, str(check))
        if code is None:
            continue
        summary[code] = summary.get(code, 0) + len(group)
        if column in WARNING_COLUMNS:
            warn += len(group)
        else:
            bad_rows |= set(group["index"].dropna().astype(int).tolist())
    return summary, len(bad_rows), warn


def main():
    path, mode = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    if mode.startswith("read-"):
        df = read(path, "xlsx" if mode == "read-xlsx" else "csv")
        seconds = time.perf_counter() - start
        print(json.dumps({"mode": mode, "seconds": round(seconds, 3), "rows": len(df)}))
        return
    df = read(path, mode)
    if mode == "coerce":
        df = tidy(df)
        schema = straightforward_schema()
    else:
        df = prepare_fastest(df)
        schema = fastest_schema()
    error = None
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as e:
        error = e
    summary, invalid_rows, warnings_count = summarise(error)
    seconds = time.perf_counter() - start
    print(json.dumps({"mode": mode, "seconds": round(seconds, 3), "rows": len(df), "summary": summary,
                      "invalid_rows": invalid_rows, "warnings": warnings_count}, ensure_ascii=False))


if __name__ == "__main__":
    main()

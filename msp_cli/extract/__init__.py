"""A council's own extract (CSV or Excel) read into interchange objects, through a mapping file.

    fields.py   the interchange fields an extract may feed, and what kind of value each takes
    mapping.py  the TOML mapping file: which column feeds which field, local labels to national
    table.py    the extract itself: CSV (utf-8, utf-8 with BOM, cp1252) or xlsx, row by row
    values.py   one cell to one value: UK, ISO and Excel dates, yes/no, labels
    cases.py    rows to cases (one row a case, or several that must agree), as plain dicts
    report.py   what a dry run (or a refused import) shows; the rejects CSV of --keep-going
    draft.py    `msp map draft`: a first mapping from the headings and values found

The objects end in the same validation and storage as JSON Lines (interchange.import_objects),
so there is one set of rules for what a valid case is.
"""

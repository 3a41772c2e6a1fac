"""What makes a pseudonymised export hard to re-identify, beyond keyed hashes (msp_cli.export):

- dates.py: dates as months, and the intervals analysts need, in days;
- names.py: names recorded in the database taken out of free text;
- small_groups.py: combinations of age band, sex, ethnicity, support reason and team with
  fewer than 5 people, and merging the smallest categories until there are none;
- shape.py: each case shaped by the above in one walk worked out from the field table;
- plan.py: the export's cases in pseudonym order, each shaped as planned.
"""

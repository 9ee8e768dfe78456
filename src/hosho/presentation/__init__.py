"""How Hosho speaks to people in Japanese: the words for its codes (`words`) and the formats of yen, dates and
times (`formats`). The console, `explain` and the certificate all take them from here, so that a status, an error or
a date reads the same on every screen and paper. Words that belong to one program (causes, parts, cost items,
payers) are program data, in `programs/vocabulary.yaml`.
"""
